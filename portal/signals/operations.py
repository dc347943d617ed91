"""The only place signals and integrations change state (DESIGN.md invariant 3).

Console actions (create, configure, mute, detach) run as the signed-in staff member. A signal
runs as its integration: every audit event written while it is handled, including those of the
escalation operations it calls, names the integration (`audit.acting_as`). Nothing commits
here; the endpoint or the view commits once. Raises OperationError for refused input.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import Trigger, UpdateKind, Visibility
from portal.escalations.operations import HandoffTemplate, open_escalation
from portal.escalations.operations.common import add_timeline_entry
from portal.extensions import db
from portal.operations import OperationError
from portal.signals import mapping
from portal.signals import secrets as signal_secrets
from portal.signals.models import (
    AuthMethod,
    Integration,
    IntegrationKind,
    Outcome,
    Signal,
    SignalLink,
)
from portal.signals.payloads import Alert

TOKEN_PREFIX = "cps_"
# A key that keeps firing writes at most one timeline note per interval (the count of what
# fired since); a flood of a thousand alerts makes a handful of notes, not a thousand.
NOTE_EVERY = timedelta(minutes=10)
NAME_MAX = 80


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------ the console's actions

def create_integration(*, name: str, kind: IntegrationKind, auth_method: AuthMethod,
                       actor: User) -> tuple[Integration, str]:
    """A new, live integration and its credential (a bearer token or an HMAC secret), which
    the caller shows once. Raises OperationError for an empty or taken name."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise OperationError(f"Name the integration (at most {NAME_MAX} characters).", "name")
    if db.session.scalar(sa.select(Integration.id).where(Integration.name == name)):
        raise OperationError("Another integration has this name.", "name")
    integration = Integration(name=name, kind=kind, auth_method=auth_method, rules=[])
    secret = _new_credential(integration)
    db.session.add(integration)
    audit.record("integration.created", actor=actor, obj=integration, kind=kind.value,
                 auth_method=auth_method.value)
    return integration, secret


def rotate_credential(integration: Integration, *, actor: User) -> str:
    """A new credential; the old one stops working at once. Returned to be shown once."""
    secret = _new_credential(integration)
    audit.record("integration.credential_rotated", actor=actor, obj=integration)
    return secret


def _new_credential(integration: Integration) -> str:
    if integration.auth_method == AuthMethod.TOKEN:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        integration.token_hash, integration.hmac_secret_sealed = token_digest(token), None
        integration.token_prefix = token[:len(TOKEN_PREFIX) + 6]
        return token
    secret = secrets.token_urlsafe(32)
    integration.hmac_secret_sealed = signal_secrets.seal(secret)
    integration.token_hash, integration.token_prefix = None, ""
    return secret


def configure_integration(integration: Integration, *, rules_text: str,
                          default_organization_id: int | None, default_severity: int,
                          default_product_area: str, actor: User) -> None:
    """Save the mapping rules and defaults. Raises OperationError naming the unreadable rule
    line, an unknown organization slug, or a severity outside 1–4."""
    rules = mapping.parse_rules(rules_text)
    slugs = {rule["organization"] for rule in rules if "organization" in rule}
    known = set(db.session.scalars(sa.select(Organization.slug).where(
        Organization.slug.in_(slugs)))) if slugs else set()
    if slugs - known:
        raise OperationError(f"No organization has the slug {sorted(slugs - known)[0]}.",
                             "rules")
    if default_severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "default_severity")
    before = audit.snapshot(integration, CONFIG_FIELDS)
    integration.rules = rules
    integration.default_organization_id = default_organization_id
    integration.default_severity = default_severity
    integration.default_product_area = default_product_area.strip()[:80]
    audit.record_change("integration.configured", actor=actor, obj=integration,
                        before=before, after=audit.snapshot(integration, CONFIG_FIELDS))


CONFIG_FIELDS = ("rules", "default_organization_id", "default_severity",
                 "default_product_area")


def set_muted(integration: Integration, muted: bool, *, actor: User) -> None:
    """Mute (signals are recorded and do nothing) or make live again."""
    if integration.muted != muted:
        integration.muted = muted
        audit.record("integration.muted" if muted else "integration.unmuted", actor=actor,
                     obj=integration)


def detach_link(link: SignalLink, *, actor: User) -> None:
    """Detach an escalation from its signal: the next firing of the key opens a new one."""
    if link.open_key is None:
        raise OperationError("This escalation is already detached from its signal.")
    _close(link, "detached")
    add_timeline_entry(link.escalation, author=actor, kind=UpdateKind.NOTE,
                       visibility=Visibility.INTERNAL,
                       body=f"Detached from monitoring signal `{link.dedupe_key}` "
                            f"({link.integration.name}): its next firing opens a new escalation.")
    audit.record("signal.detached", actor=actor, obj=link.escalation,
                 integration_id=link.integration_id, dedupe_key=link.dedupe_key)


def _close(link: SignalLink, reason: str) -> None:
    link.open_key, link.closed_at, link.close_reason = None, now(), reason
    link.resolution_proposed_at = None
    db.session.flush()  # the key is free before anyone inserts the next link for it


# ------------------------------------------------------------------ signals

def receive(integration: Integration, alerts: list[Alert]) -> list[Signal]:
    """Handle an authenticated sender's alerts in order, each recorded with what it did."""
    return [_receive_one(integration, alert) for alert in alerts]


def _receive_one(integration: Integration, alert: Alert) -> Signal:
    signal = Signal(integration_id=integration.id, dedupe_key=alert.dedupe_key,
                    status=alert.status, title=alert.title[:200], labels=alert.labels,
                    fingerprint=alert.fingerprint, starts_at=alert.starts_at,
                    received_at=now())
    if integration.muted:
        signal.outcome = Outcome.MUTED
    elif _is_repeat(integration, alert):
        signal.outcome = Outcome.REPEAT
    else:
        with audit.acting_as("integration", integration.id, integration.actor_label):
            handle = _fire if alert.firing else _resolve
            signal.outcome, signal.escalation_id = handle(integration, alert)
    db.session.add(signal)
    return signal


def _is_repeat(integration: Integration, alert: Alert) -> bool:
    """Alertmanager sends a firing group again at every group interval: an alert already
    handled (same fingerprint, same start, same status) is not a new occurrence."""
    if not alert.fingerprint or not alert.starts_at:
        return False
    return db.session.scalar(sa.select(sa.literal(True)).where(
        Signal.integration_id == integration.id, Signal.fingerprint == alert.fingerprint,
        Signal.starts_at == alert.starts_at, Signal.status == alert.status,
        Signal.outcome.in_((Outcome.OPENED, Outcome.ADDED, Outcome.PROPOSED))).limit(1)) \
        is not None


def _open_link(integration: Integration, key: str) -> SignalLink | None:
    """The open link of the key, locked (PostgreSQL) so additions to it count in turn."""
    return db.session.scalars(sa.select(SignalLink).where(
        SignalLink.integration_id == integration.id, SignalLink.open_key == key)
        .with_for_update()).first()


def _fire(integration: Integration, alert: Alert) -> tuple[Outcome, int | None]:
    link = _open_link(integration, alert.dedupe_key)
    if link is not None and not link.escalation.status.is_open:
        _close(link, "escalation_closed")
        link = None
    if link is None:
        target = _target(integration, alert)
        if target is None:
            return Outcome.UNMAPPED, None
        try:
            with db.session.begin_nested():
                return Outcome.OPENED, _open(integration, alert, *target)
        except IntegrityError:  # another worker opened it first: add to theirs
            link = _open_link(integration, alert.dedupe_key)
            if link is None:
                raise
    _add(link, alert)
    return Outcome.ADDED, link.escalation_id


def _target(integration: Integration, alert: Alert):
    default_slug = (integration.default_organization.slug
                    if integration.default_organization else None)
    mapped = mapping.map_alert(
        integration.rules or [], alert.labels, organization=alert.organization,
        severity=alert.severity, default_organization=default_slug,
        default_severity=integration.default_severity,
        default_product_area=integration.default_product_area)
    organization = db.session.scalars(sa.select(Organization).where(
        Organization.slug == mapped.organization)).first() if mapped.organization else None
    return None if organization is None else (organization, mapped)


def _open(integration: Integration, alert: Alert, organization: Organization,
          mapped: mapping.Mapped) -> int:
    # Customers read an escalation's summary and impact: the alert's own words (description,
    # labels) go to the internal timeline only.
    handoff = HandoffTemplate(
        summary="Opened automatically from a monitoring signal.",
        customer_impact="Being assessed.",
        steps_taken="None yet: opened by monitoring.",
        environment=f"{integration.kind.label}: {integration.name}",
        reason=Trigger.MONITORING_SIGNAL)
    escalation = open_escalation(
        organization, actor=None, title=alert.title, severity=mapped.severity,
        trigger=Trigger.MONITORING_SIGNAL, handoff=handoff, product_area=mapped.product_area)
    link = SignalLink(integration_id=integration.id, dedupe_key=alert.dedupe_key,
                      open_key=alert.dedupe_key, escalation_id=escalation.id, noted_at=now())
    db.session.add(link)
    db.session.flush()  # the unique open key: a concurrent twin fails here
    _note(escalation, f"Opened by {integration.actor_label} from dedupe key "
                      f"`{alert.dedupe_key}`.", alert)
    audit.record("signal.opened", obj=escalation, integration_id=integration.id,
                 dedupe_key=alert.dedupe_key)
    return escalation.id


def _add(link: SignalLink, alert: Alert) -> None:
    """Count the firing; note it on the timeline when it fired again after saying resolved, or
    when the last note is older than NOTE_EVERY (with what fired since), never once each."""
    at = now()
    link.fired_count = SignalLink.fired_count + 1
    link.last_fired_at = at
    was_proposed = link.resolution_proposed_at is not None
    link.resolution_proposed_at = None
    db.session.flush()
    db.session.refresh(link, ["fired_count"])
    if was_proposed or link.noted_at is None or at - link.noted_at >= NOTE_EVERY:
        since = link.fired_count - link.noted_count
        again = " again after it said resolved" if was_proposed else " again"
        summed = f" ({since} since the last note)" if since > 1 else ""
        _note(link.escalation, f"Monitoring fired{again}: {link.fired_count} signals so far "
                               f"for `{link.dedupe_key}`{summed}.", alert)
        link.noted_at, link.noted_count = at, link.fired_count
    audit.record("signal.added", obj=link.escalation, integration_id=link.integration_id,
                 dedupe_key=link.dedupe_key, count=link.fired_count)


def _resolve(integration: Integration, alert: Alert) -> tuple[Outcome, int | None]:
    link = _open_link(integration, alert.dedupe_key)
    if link is None or not link.escalation.status.is_open:
        return Outcome.NO_OPEN, None
    link.resolution_proposed_at = now()
    _note(link.escalation, "Monitoring says this is resolved. Nothing was changed: resolve "
                           "the escalation if you agree.", alert)
    audit.record("signal.resolution_proposed", obj=link.escalation,
                 integration_id=integration.id, dedupe_key=link.dedupe_key)
    return Outcome.PROPOSED, link.escalation_id


def _note(escalation, headline: str, alert: Alert) -> None:
    lines = [headline, "", f"**{alert.title}**"]
    if alert.description:
        lines += ["", alert.description]
    if alert.labels:
        lines += [""] + [f"- `{name}`: `{value}`" for name, value in sorted(alert.labels.items())]
    add_timeline_entry(escalation, author=None, kind=UpdateKind.NOTE,
                       visibility=Visibility.INTERNAL, body="\n".join(lines)[:20_000])
