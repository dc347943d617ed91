"""The customer's escalation page, read: everything it shows for one viewer, in two statements
whatever the length of the timeline or the plan.

The escalation comes with its people, its organization's SLA policy and target for its
severity and the viewer's own choices in one statement; everything the page lists of it
(status history, timeline, milestones, remediation steps, exit criteria) in a second, one
UNION ALL branch per kind. Both are read as plain columns into the small frozen records below
(what is only displayed needs no ORM entity: building those cost more than the SQL). The SLA
clocks reuse the timeline instead of querying again. The statements are built once, the
escalation and the viewer bound as parameters. Every row is customer-visible
(`customer_visible`, DESIGN.md invariant 2); tenancy comes from the session's scope, whose
loader criteria reach each table and alias of both statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from portal.accounts.models import Organization, SlaPolicy, SlaTarget, User
from portal.clock import now
from portal.enums import Party, Status, StepStatus, Tier, UpdateKind, Visibility
from portal.escalations import sla
from portal.escalations.clocks import calendar_for, compute_for
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    ExitCriterion,
    Milestone,
    RemediationStep,
    StatusChange,
    Subscription,
    SurveyResponse,
    Update,
)
from portal.escalations.promises import counts_as_update
from portal.escalations.queries import customer_visible
from portal.extensions import db
from portal.sqltypes import UTCDateTime


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a row names: what the page prints of them (a customer's colleague has an
    organization; the vendor's staff none)."""
    name: str
    organization_id: int | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone the page names with how to reach them (the owner, the customer's contact)."""
    name: str
    job_title: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class SupportPlan:
    """The organization's SLA policy as the page words it."""
    name: str
    business_hours: dict | None
    holidays: list | None

    @property
    def is_24x7(self) -> bool:
        return self.business_hours is None


@dataclass(frozen=True, slots=True)
class CustomerOrganization:
    name: str
    timezone: str
    sla_policy: SupportPlan | None
    account_manager: Contact | None


@dataclass(frozen=True, slots=True)
class ShownEscalation:
    """What the page shows of the escalation (the attributes of `Escalation` it reads)."""
    id: int
    title: str
    customer_impact: str
    severity: int
    status: Status
    tier: Tier
    product_area: str
    resolution_summary: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    owner: Contact | None
    communicator: Contact | None
    organization: CustomerOrganization

    @property
    def reference(self) -> str:
        return Escalation.reference_of(self.id)

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """The viewer's own escalation request, not yet handled."""
    created_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One customer-visible update as the timeline shows it (the fields `Update` has, so
    `promises.counts_as_update` reads it the same)."""
    id: int
    kind: UpdateKind
    visibility: Visibility
    body: str
    next_update_by: datetime | None
    created_at: datetime
    edited_at: datetime | None
    retracted_at: datetime | None
    author_id: int | None
    author: Person | None


@dataclass(frozen=True, slots=True)
class PlanMilestone:
    id: int
    title: str
    due_at: datetime
    completed_at: datetime | None

    def state(self, at: datetime | None = None) -> str:
        """Done, late or upcoming at the given instant (default: now): `Milestone.state`."""
        return Milestone.state(self, at)


@dataclass(frozen=True, slots=True)
class PlanStep:
    id: int
    title: str
    owner_party: Party
    status: StepStatus
    due_at: datetime | None
    validation_test: str
    success_metric: str
    completed_at: datetime | None
    completion_note: str
    owner: Person | None
    completed_by: Person | None


@dataclass(frozen=True, slots=True)
class PlanCriterion:
    id: int
    description: str
    met_at: datetime | None


@dataclass(frozen=True)
class CustomerEscalationPage:
    escalation: ShownEscalation
    subscribed: bool | None  # the viewer's choice; None: never chose (subscribed by default)
    survey_score: int | None
    open_request: OpenRequest | None
    updates: list[TimelineEntry]  # newest first, retracted ones as stubs
    milestones: list[PlanMilestone]
    steps: list[PlanStep]
    criteria: list[PlanCriterion]
    targets: sla.Targets  # the support plan's, for the escalation's severity
    clocks: sla.SlaClocks


def load(escalation_id: int, viewer: User) -> CustomerEscalationPage | None:
    """The page for `viewer`, or None when the escalation is not there for them."""
    row = db.session.execute(_statements().escalation, {
        "escalation_id": escalation_id, "viewer_id": viewer.id}).first()
    if row is None:
        return None
    escalation = _escalation(row)
    if row.acknowledge_minutes is None:
        raise LookupError(f"the support plan of {escalation.reference} has no target for "
                          f"severity {escalation.severity}")
    targets = sla.Targets(row.acknowledge_minutes, row.update_minutes, row.resolve_minutes)
    listed = {kind: [] for kind in _KINDS}
    for entry in db.session.execute(_statements().listed,
                                    {"escalation_id": escalation.id}).all():
        listed[entry.kind].append(entry)
    updates = [_update(entry) for entry in reversed(listed["update"])]  # newest first
    history = [sla.StatusChange(at=entry.at, status=entry.word) for entry in listed["history"]]
    return CustomerEscalationPage(
        escalation=escalation, subscribed=row.subscribed, survey_score=row.survey_score,
        open_request=OpenRequest(row.request_created_at, row.request_reason)
        if row.request_created_at is not None else None,
        updates=updates,
        milestones=[PlanMilestone(e.id, e.text, e.at, e.done_at) for e in listed["milestone"]],
        steps=[_step(entry) for entry in listed["step"]],
        criteria=[PlanCriterion(e.id, e.text, e.at) for e in listed["criterion"]],
        targets=targets, clocks=_clocks(escalation, targets, updates, history),
    )


def _contact(row, prefix: str) -> Contact | None:
    if row[f"{prefix}_email"] is None:  # nobody (every user has an email)
        return None
    return Contact(*(row[f"{prefix}_{column}"] for column in _SHOWN_OF_PEOPLE))


def _escalation(row) -> ShownEscalation:
    shown = row._mapping
    plan = SupportPlan(row.policy_name, row.business_hours, row.holidays) \
        if row.policy_name is not None else None
    return ShownEscalation(
        **{column: shown[column] for column in _ESCALATION_COLUMNS},
        owner=_contact(shown, "owner"), communicator=_contact(shown, "communicator"),
        organization=CustomerOrganization(row.organization_name, row.organization_timezone,
                                          plan, _contact(shown, "account_manager")))


def _update(e) -> TimelineEntry:
    return TimelineEntry(
        id=e.id, kind=_UPDATE_KINDS[e.word], visibility=_VISIBILITIES[e.state], body=e.text,
        next_update_by=e.next_at, created_at=e.at, edited_at=e.edited_at,
        retracted_at=e.retracted_at, author_id=e.person_id,
        author=Person(e.person, e.person_organization_id) if e.person is not None else None)


def _step(e) -> PlanStep:
    return PlanStep(
        id=e.id, title=e.text, owner_party=_PARTIES[e.word], status=_STEP_STATUSES[e.state],
        due_at=e.at, validation_test=e.detail, success_metric=e.metric,
        completed_at=e.done_at, completion_note=e.note,
        owner=Person(e.person) if e.person is not None else None,
        completed_by=Person(e.other_person) if e.other_person is not None else None)


# The enums of the listed rows by their stored values (a lookup, not an enum call per row).
_UPDATE_KINDS = {kind.value: kind for kind in UpdateKind}
_VISIBILITIES = {visibility.value: visibility for visibility in Visibility}
_PARTIES = {party.value: party for party in Party}
_STEP_STATUSES = {status.value: status for status in StepStatus}


# What the page lists of the escalation, one statement: each kind of row is a branch of a
# UNION ALL with its columns in these slots (a slot a kind has no use for is NULL). Each
# branch is an ORM statement of its own model, so the session's tenancy criteria reach it.
_KINDS = ("criterion", "history", "milestone", "step", "update")  # the order rows come in
_SLOTS = {
    "id": Integer, "position": Integer,  # steps and criteria, in plan order
    # Milestones, status history and updates, in time order; only sorted by, never read.
    "sort_at": DateTime(timezone=True),
    "text": Text, "detail": Text, "metric": Text, "note": Text,
    "at": UTCDateTime, "done_at": UTCDateTime, "edited_at": UTCDateTime,
    "retracted_at": UTCDateTime, "next_at": UTCDateTime,
    "word": String, "state": String,  # enum values, made enums again in Python
    "person": String, "other_person": String, "person_id": Integer,
    "person_organization_id": Integer,
}


def _branch(kind: str, *, where, first: bool = False, **columns) -> Select:
    """One kind's SELECT. The first branch names and types every slot (the UNION's columns
    are its columns: their names, their types in PostgreSQL and in the result); the others
    give their values only, an empty slot a bare NULL. That keeps the statement short enough
    (psycopg parses a statement over 4,096 characters anew on every execution)."""
    unknown = set(columns) - set(_SLOTS)
    if unknown:
        raise ValueError(f"no slot {unknown}")
    if first:
        return select(
            literal_column(f"'{kind}'", String).label("kind"),
            *((type_coerce(columns[name], type_) if name in columns
               else cast(null(), type_)).label(name) for name, type_ in _SLOTS.items()),
        ).where(*where)
    return select(
        literal_column(f"'{kind}'"),
        *(columns.get(name, _NULL) for name in _SLOTS),
    ).where(*where)


_NULL = literal_column("NULL")


def _listed(escalation_id) -> CompoundSelect:
    author, owner, completed_by = (aliased(User, name=name)
                                   for name in ("author", "owner", "completed_by"))
    listed = union_all(
        _branch("criterion", first=True, where=(ExitCriterion.escalation_id == escalation_id,
                                    customer_visible(ExitCriterion)),
                id=ExitCriterion.id, position=ExitCriterion.position,
                text=ExitCriterion.description, at=ExitCriterion.met_at),
        # Ties (two moves in the same instant) in the order they were made, as
        # `Escalation.status_history` orders them.
        _branch("history", where=(StatusChange.escalation_id == escalation_id,),
                id=StatusChange.id, sort_at=StatusChange.at, at=StatusChange.at,
                word=StatusChange.to_status),
        _branch("milestone", where=(Milestone.escalation_id == escalation_id,
                                    customer_visible(Milestone)),
                id=Milestone.id, sort_at=Milestone.due_at, text=Milestone.title,
                at=Milestone.due_at, done_at=Milestone.completed_at),
        _branch("step", where=(RemediationStep.escalation_id == escalation_id,
                               customer_visible(RemediationStep)),
                id=RemediationStep.id, position=RemediationStep.position,
                text=RemediationStep.title, at=RemediationStep.due_at,
                done_at=RemediationStep.completed_at,
                detail=RemediationStep.validation_test,
                metric=RemediationStep.success_metric, note=RemediationStep.completion_note,
                word=RemediationStep.owner_party, state=RemediationStep.status,
                person=owner.name, other_person=completed_by.name)
        .outerjoin(owner, owner.id == RemediationStep.owner_id)
        .outerjoin(completed_by, completed_by.id == RemediationStep.completed_by_id),
        # Retracted customer updates as stubs only (their text is gone).
        _branch("update", where=(Update.escalation_id == escalation_id,
                                 customer_visible(Update, retracted_stubs=True)),
                id=Update.id, sort_at=Update.created_at, text=Update.body,
                at=Update.created_at, edited_at=Update.edited_at,
                retracted_at=Update.retracted_at, next_at=Update.next_update_by,
                word=Update.kind, state=Update.visibility, person=author.name,
                person_id=Update.author_id, person_organization_id=author.organization_id)
        .outerjoin(author, author.id == Update.author_id),
    )
    columns = listed.selected_columns
    return listed.order_by(columns.kind, columns.position, columns.sort_at, columns.id)


def validator(escalation_id: int, viewer: User) -> tuple | None:
    """What the page shows changes only when one of these does (one statement; None when the
    escalation is not there for `viewer`): the escalation's customer-visible stamp (it moves
    with every customer-visible update, status, owner, plan item and published report:
    `customer_saw_change`), the viewer's own choices on it, and who the organization's
    account manager and support plan are. Internal notes move none of them."""
    row = db.session.execute(_statements().validator, {
        "escalation_id": escalation_id, "viewer_id": viewer.id}).first()
    return tuple(row) if row is not None else None


# What the page shows of the escalation (`ShownEscalation`'s columns) and of the people it
# names: name, title, how to reach them.
_ESCALATION_COLUMNS = (
    "id", "title", "customer_impact", "severity", "status", "tier", "product_area",
    "resolution_summary", "opened_at", "acknowledged_at", "resolved_at")
_SHOWN_OF_PEOPLE = ("name", "job_title", "email", "phone")


def _people_columns(person, prefix: str) -> list:
    return [getattr(person, column).label(f"{prefix}_{column}") for column in _SHOWN_OF_PEOPLE]


@cache
def _statements() -> SimpleNamespace:
    """The page's statements, built once: a statement is immutable, and building one with
    its scalar subqueries and loader options costs more than running it. The escalation and
    the viewer are bound parameters (`escalation_id`, `viewer_id`)."""
    escalation_id, viewer_id = bindparam("escalation_id"), bindparam("viewer_id")
    subscribed = select(Subscription.subscribed).where(
        Subscription.escalation_id == Escalation.id, Subscription.user_id == viewer_id
    ).scalar_subquery()
    survey_score = select(SurveyResponse.score).where(
        SurveyResponse.escalation_id == Escalation.id, SurveyResponse.user_id == viewer_id
    ).scalar_subquery()
    latest_open_request = select(func.max(EscalationRequest.id)).where(
        EscalationRequest.escalation_id == Escalation.id,
        EscalationRequest.requested_by_id == viewer_id,
        EscalationRequest.handled_at.is_(None),
    ).scalar_subquery()
    open_request = aliased(EscalationRequest, name="open_request")
    owner, communicator, account_manager = (
        aliased(User, name=name) for name in ("owner", "communicator", "account_manager"))
    return SimpleNamespace(
        validator=select(Escalation.customer_changed_at, Escalation.status, subscribed,
                         survey_score, latest_open_request, Organization.account_manager_id,
                         Organization.sla_policy_id)
        .join(Organization, Organization.id == Escalation.organization_id)
        .where(Escalation.id == escalation_id),
        escalation=select(
            *(getattr(Escalation, column) for column in _ESCALATION_COLUMNS),
            subscribed.label("subscribed"), survey_score.label("survey_score"),
            open_request.created_at.label("request_created_at"),
            open_request.reason.label("request_reason"),
            *_people_columns(owner, "owner"), *_people_columns(communicator, "communicator"),
            *_people_columns(account_manager, "account_manager"),
            Organization.name.label("organization_name"),
            Organization.timezone.label("organization_timezone"),
            SlaPolicy.name.label("policy_name"), SlaPolicy.business_hours,
            SlaPolicy.holidays, SlaTarget.acknowledge_minutes, SlaTarget.update_minutes,
            SlaTarget.resolve_minutes)
        .outerjoin_from(Escalation, open_request, open_request.id == latest_open_request)
        .outerjoin_from(Escalation, owner, owner.id == Escalation.owner_id)
        .outerjoin_from(Escalation, communicator, communicator.id == Escalation.communicator_id)
        .outerjoin_from(Escalation, Organization, Organization.id == Escalation.organization_id)
        .outerjoin_from(Organization, account_manager,
                        account_manager.id == Organization.account_manager_id)
        .outerjoin_from(Organization, SlaPolicy, SlaPolicy.id == Organization.sla_policy_id)
        # Only this severity's target.
        .outerjoin_from(SlaPolicy, SlaTarget, (SlaTarget.policy_id == SlaPolicy.id)
                        & (SlaTarget.severity == Escalation.severity))
        .where(Escalation.id == escalation_id),
        listed=_listed(escalation_id),
    )


def _clocks(escalation: ShownEscalation, targets: sla.Targets, updates: list[TimelineEntry],
            history: list[sla.StatusChange]) -> sla.SlaClocks:
    """What `clocks_for` computes, without its query: the newest update that counts is already
    on the timeline (newest first; `portal.escalations.promises` says which entries count)."""
    last = next((u for u in updates if counts_as_update(u)), None)
    return compute_for(
        escalation,
        calendar=calendar_for(escalation),
        targets=targets,
        history=history,
        last_update_at=last.created_at if last else None,
        next_update_by=last.next_update_by if last else None,
        at=now(),
    )
