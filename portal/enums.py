"""Value sets shared by models, forms and templates, with the words people read."""

from enum import IntEnum, StrEnum

import sqlalchemy as sa


def db_enum(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint on both SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class Role(StrEnum):
    VIEWER = "viewer"
    EXECUTIVE = "executive"
    CUSTOMER_ADMIN = "customer_admin"
    AGENT = "agent"
    ACCOUNT_MANAGER = "account_manager"
    ESCALATION_MANAGER = "escalation_manager"
    ADMINISTRATOR = "administrator"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


CUSTOMER_ROLES = frozenset({Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN})
STAFF_ROLES = frozenset(set(Role) - CUSTOMER_ROLES)


class Segment(StrEnum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    GROWTH = "growth"


class Severity(IntEnum):
    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self.value]


SEVERITY_LABELS = {1: "Critical", 2: "High", 3: "Medium", 4: "Low"}


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


OPEN_STATUSES = tuple(s for s in Status if s.is_open)


class Tier(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    MANAGEMENT = "Management"


class Trigger(StrEnum):
    SLA_BREACH = "sla_breach"
    SEVERITY = "severity"
    TIME_IN_STATUS = "time_in_status"
    CUSTOMER_REQUEST = "customer_request"
    POLICY_EXCEPTION = "policy_exception"
    MONITORING_SIGNAL = "monitoring_signal"

    @property
    def label(self) -> str:
        return {
            "sla_breach": "SLA breach",
            "severity": "Severity",
            "time_in_status": "Time in status",
            "customer_request": "Customer request",
            "policy_exception": "Policy exception",
            "monitoring_signal": "Monitoring signal",
        }[self.value]


class Visibility(StrEnum):
    CUSTOMER = "customer"
    INTERNAL = "internal"


class UpdateKind(StrEnum):
    NOTE = "note"
    STATUS_CHANGE = "status_change"
    SEVERITY_CHANGE = "severity_change"
    TIER_CHANGE = "tier_change"
    OWNERSHIP = "ownership"
    MILESTONE = "milestone"
    CUSTOMER_COMMENT = "customer_comment"


class StepStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Party(StrEnum):
    VENDOR = "vendor"
    CUSTOMER = "customer"


class ReputationalRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class NotificationPreference(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "daily_digest"

    @property
    def label(self) -> str:
        return "Immediately" if self is NotificationPreference.IMMEDIATE else "Daily digest"
