"""The only writers of routing rules: add, edit, delete, move up or down. Each checks the
actor may manage rosters (PermissionError), refuses what cannot route (OperationError, naming
the form field), and records an audit event; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import Organization, User
from portal.enums import Trigger
from portal.extensions import db
from portal.oncall.models import Team
from portal.oncall.operations import _may_manage
from portal.oncall.triage_models import RoutingRule
from portal.operations import OperationError

LABEL_MAX = 80


@dataclass(frozen=True)
class RuleSettings:
    """What a rule's form sets: its conditions (None or "" for any) and its team."""

    team_id: int | None
    organization_id: int | None = None
    product_area: str = ""
    category: str = ""
    max_severity: int | None = None
    trigger: Trigger | None = None


def _checked(settings: RuleSettings) -> RuleSettings:
    if settings.team_id is None or db.session.get(Team, settings.team_id) is None:
        raise OperationError("Choose the team these escalations go to.", field="team_id")
    if settings.organization_id is not None and db.session.get(
            Organization, settings.organization_id) is None:
        raise OperationError("Choose an organization, or any.", field="organization_id")
    if settings.max_severity is not None and settings.max_severity not in (1, 2, 3, 4):
        raise OperationError("Choose a severity between Sev 1 and Sev 4, or any.",
                             field="max_severity")
    area, category = settings.product_area.strip(), settings.category.strip()
    for name, value in (("product_area", area), ("category", category)):
        if len(value) > LABEL_MAX:
            raise OperationError(f"Keep this under {LABEL_MAX} characters.", field=name)
    return RuleSettings(settings.team_id, settings.organization_id, area, category,
                        settings.max_severity, settings.trigger)


def _summary(rule: RoutingRule) -> dict:
    return {"position": rule.position, "team_id": rule.team_id,
            "organization_id": rule.organization_id, "product_area": rule.product_area,
            "category": rule.category, "max_severity": rule.max_severity,
            "trigger": rule.trigger.value if rule.trigger else None}


def _apply(rule: RoutingRule, settings: RuleSettings) -> None:
    rule.team_id, rule.organization_id = settings.team_id, settings.organization_id
    rule.product_area, rule.category = settings.product_area, settings.category
    rule.max_severity, rule.trigger = settings.max_severity, settings.trigger


def ordered_rules() -> list[RoutingRule]:
    """Every rule in routing order (the first that matches wins)."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position,
                                                                RoutingRule.id)))


def create_rule(settings: RuleSettings, *, actor: User) -> RoutingRule:
    """A new rule, last in the list. Raises PermissionError, OperationError."""
    _may_manage(actor)
    settings = _checked(settings)
    last = db.session.scalar(select(func.max(RoutingRule.position)))
    rule = RoutingRule(position=(last or 0) + 1)
    _apply(rule, settings)
    db.session.add(rule)
    audit.record("oncall.rule_created", actor=actor, obj=rule, **_summary(rule))
    return rule


def edit_rule(rule: RoutingRule, settings: RuleSettings, *, actor: User) -> RoutingRule:
    """Change a rule's conditions or team. Raises PermissionError, OperationError."""
    _may_manage(actor)
    settings = _checked(settings)
    before = _summary(rule)
    _apply(rule, settings)
    audit.record_change("oncall.rule_edited", actor=actor, obj=rule, before=before,
                        after=_summary(rule))
    return rule


def delete_rule(rule: RoutingRule, *, actor: User) -> None:
    """Take a rule out of the list (escalations it routed keep their team). Raises
    PermissionError."""
    _may_manage(actor)
    audit.record("oncall.rule_deleted", actor=actor, obj=rule, **_summary(rule))
    db.session.delete(rule)


def move_rule(rule: RoutingRule, up: bool, *, actor: User) -> None:
    """Swap the rule with its neighbour above (`up`) or below. The whole list is renumbered
    1…n, so positions stay a plain sequence. Raises PermissionError; OperationError for the
    first rule moved up or the last moved down."""
    _may_manage(actor)
    rules = ordered_rules()
    index = rules.index(rule)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rules):
        raise OperationError(f"This rule is {'first' if up else 'last'} already.")
    rules[index], rules[other] = rules[other], rules[index]
    for number, each in enumerate(rules, start=1):
        each.position = number
    audit.record("oncall.rule_moved", actor=actor, obj=rule, direction="up" if up else "down",
                 position=rule.position)
