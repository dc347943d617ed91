"""Play one scenario through the escalation operations, each step backdated with `frozen_at`.

A `Story` first plans its events as (instant, action) pairs laid out over the escalation's
life, then plays them in time order, each inside `frozen_at(instant)` and flushed there, so
every timestamp (timeline, status history, audit events) reads as if it happened then.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import frozen_at, now
from portal.demo.catalog import KITS, Scenario
from portal.demo.people import TIER_STAFF, Cast
from portal.enums import Party, Role, Status, StepStatus, Tier, Trigger, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Handoff, Milestone
from portal.escalations.workflow import TIER_ORDER
from portal.extensions import db

PUBLIC = {
    "early": ("We have reproduced the problem and are tracing it through the {component}. "
              "{reassurance}",
              "Our engineers can see the problem on our side and are working through the "
              "{component} logs and recent changes. {reassurance}"),
    "cause": ("We have found the cause: {cause}. Next we will {fix}.",
              "Good progress: we have identified the cause — {cause}. Our plan is to {fix}."),
    "fixing": ("Work on the fix is under way: we will {fix}. We will confirm here as soon as it "
               "is verified on your account.",
               "The fix is in review and testing. Once it is live we will verify it with you "
               "before we call this resolved.",
               "Status check: the fix is progressing as planned. There is nothing you need to "
               "do right now; we will tell you as soon as it is live."),
    "contained": ("The workaround is holding and the impact is contained. We are still working "
                  "to {fix} so that it cannot come back.",
                  "The workaround is still holding. The permanent fix is being tested and we "
                  "will share the rollout time as soon as it is scheduled."),
    "waiting": ("Thank you for your help so far. We will check back with you tomorrow if we "
                "have not heard from you by then.",),
    "verifying": ("The fix is live for your account and the problem has not come back since. "
                  "We are watching closely before we mark this resolved.",),
    "reopened": ("We have reopened this escalation. {reopen} The team that fixed it is back "
                 "on it and we will share findings at the next update.",),
    "recurrence": ("Update on the recurrence: we traced last night's run end to end and are "
                   "comparing it with a good night. We will share what we find at the next "
                   "update.",),
}
INTERNAL = (
    "Looked at `{host}`: {signal}. @{peer} can you check what shipped to the {component} in "
    "the last 24 h?",
    "I think we have it: {cause}. Reproduced against `{host2}` with the example from {ticket}.",
    "Fix is in review; canary on `{host}` at 10 % for an hour before we widen it. Hold "
    "customer comms until the canary is clean.",
    "{exec} at {org} called me. They accept the plan but want a written summary today — "
    "please keep host names out of anything customer-facing.",
)
UNACKNOWLEDGED_NOTE = ("{exec} at {org} called me about {ticket}. The page to {owner} shows "
                       "delivered, not acknowledged — who else is on call for {area}?")
WAITING_NOTE = ("No reply from {org} yet on the diagnostics we asked for. {am} will raise it "
                "at the next service review; parking until then.")
STALE_NOTE = ("Customer update is overdue — still waiting for the replay on `{host2}` to "
              "finish. @{peer} I'll post as soon as I have numbers.")
REOPEN_NOTE = ("Recurrence confirmed on `{host}`: {signal}. Pulling last night's traces; the "
               "earlier fix is still deployed, so this is a second cause.")
COMMENTS = (
    "Thanks for the update. Our team leads are asking whether this will be fixed before the "
    "weekend — can you give us a rough ETA?",
    "We are still seeing this as of a few minutes ago, same symptoms.",
    "Is there anything we can do on our side to speed this up? Happy to jump on a call.",
    "Appreciate the quick response. Please keep the updates coming at this cadence; our "
    "leadership is following this one.",
)
TIER_REASONS = {
    Tier.L2: "Beyond the L1 runbook: reproduced, but it needs a {component} specialist.",
    Tier.L3: "It needs a code-level fix in the {component}; engineering on-call is engaged.",
    Tier.MANAGEMENT: "Business-critical impact for {org} with the resolve target at risk; "
                     "{em} is now executive sponsor.",
}
DE_ESCALATION = "The workaround is holding; what remains is the permanent fix and verification."
RAISED = "Impact is wider than first reported: {impact}"
LOWERED = "The workaround limits the impact, so we are lowering the severity."
INTERNAL_EXIT = "No related alerts on the on-call dashboard for 7 days"
REOPEN_MILESTONE = "Cause of the recurrence confirmed"
REOPEN_STEP = ("Trace the next scheduled run end to end and compare it with a good night",
               Party.VENDOR, "Timings captured for every stage",
               "Batch finishes before 05:00 local time", Visibility.CUSTOMER)


def _round_up(instant: datetime, minutes: int = 15) -> datetime:
    step = minutes * 60
    return datetime.fromtimestamp(math.ceil(instant.timestamp() / step) * step, instant.tzinfo)


class Story:
    """One escalation from opening to today."""

    def __init__(self, scenario: Scenario, cast: Cast, rng: random.Random, start: datetime):
        self.s, self.cast, self.rng, self.start = scenario, cast, rng, start
        self.kit = KITS[scenario.area]
        self.org = cast.orgs[scenario.org]
        self.target = self.org.sla_policy.target_for(scenario.severity)
        self.customers = cast.customers[scenario.org]
        self.am: User = self.org.account_manager
        self.em = cast.staff["rebecca"]
        self.owner = self._staff_for(Tier.L1)
        self.opener = {Trigger.MONITORING_SIGNAL: None, Trigger.CUSTOMER_REQUEST: self.am,
                       Trigger.POLICY_EXCEPTION: self.em,
                       Trigger.SLA_BREACH: self.em}.get(scenario.trigger, self.owner)
        self.escalation: Escalation | None = None
        self.milestones: list[Milestone] = []
        self.said: set[str] = set()  # customer-update texts already used, to avoid repeats
        self.events: list[tuple[datetime, int, Callable, tuple]] = []
        host, host2 = rng.sample(self.kit.hosts, 2)
        self.words = dict(
            component=self.kit.component, reassurance=self.kit.reassurance, org=self.org.name,
            cause=scenario.cause, fix=scenario.fix, impact=scenario.impact,
            ticket=scenario.ticket, area=scenario.area, host=host, host2=host2,
            am=self.am.first_name, em=self.em.name, reopen=scenario.reopen_reason,
            exec=self.customers[Role.EXECUTIVE].name,
        )

    # ── planning ────────────────────────────────────────────────────────────────────────
    def at(self, when: datetime, action: Callable, *args) -> None:
        self.events.append((when, len(self.events), action, args))

    def ago(self, hours: float) -> datetime:
        return self.start - timedelta(hours=hours)

    def play(self) -> Escalation:
        self.plan()
        for when, _, action, args in sorted(self.events, key=lambda event: event[:2]):
            if when >= self.start:
                raise RuntimeError(f"{self.s.title}: {action.__name__} would be in the future")
            with frozen_at(when):
                action(*args)
                db.session.flush()  # defaults (audit times, updated_at) take the frozen time
        return self.escalation

    def plan(self) -> None:
        s, rng = self.s, self.rng
        opened = self.ago(s.opened)
        self.at(opened, self.open)
        if s.status == Status.NEW:
            life = self.start - opened
            if s.comment:
                self.at(opened + life * 0.65, self.comment)
            if s.severity <= 2:
                self.at(opened + life * 0.8, self.note, UNACKNOWLEDGED_NOTE, self.am)
            return
        quiet = min(timedelta(minutes=rng.randint(10, 40)), (self.start - opened) * 0.15)
        latest = self.ago(s.resolved) if s.was_resolved else self.start - quiet
        ack_minutes = s.ack_after or min(
            self.target.acknowledge_minutes * rng.uniform(0.3, 0.85),
            (latest - opened).total_seconds() / 60 * 0.3)
        ack = opened + timedelta(minutes=ack_minutes)
        self.at(ack, self.acknowledge)
        if s.severity <= 2:
            self.at(ack + (latest - ack) * 0.02, self.set_communicator, self.am)
        if s.status == Status.ACKNOWLEDGED:
            self.at(ack + (latest - ack) * 0.2, self.public, "early")
            self.at(ack + (latest - ack) * 0.6, self.note, INTERNAL[0])
            return
        begin = ack + min(timedelta(minutes=rng.randint(5, 20)), (latest - ack) * 0.05)
        self.at(begin, self.change, Status.INVESTIGATING,
                f"Investigation started on the {self.kit.component}.")
        finish = latest
        if s.status == Status.WAITING_ON_CUSTOMER:
            finish = begin + (latest - begin) * 0.7
        if s.stale_update:
            finish = self.start - timedelta(minutes=self.target.update_minutes * 1.6)
        self.plan_work(begin, finish)
        self.plan_ending(finish, latest)

    def plan_work(self, begin: datetime, finish: datetime) -> None:
        s = self.s

        def window(fraction: float) -> datetime:
            return begin + (finish - begin) * fraction

        contained = s.status == Status.CONTAINED or (s.was_resolved and s.severity <= 2)
        if s.opened_severity:
            self.at(window(0.08), self.change_severity)
        climb = TIER_ORDER[1:TIER_ORDER.index(s.peak or s.tier) + 1]
        for i, tier in enumerate(climb):
            last = i == len(climb) - 1
            when = window(0.12 + 0.13 * i)
            if last and s.pending_handoff:
                when = finish - timedelta(minutes=35)
            self.at(when, self.raise_tier, tier, not (last and s.pending_handoff))
        updates = {1: 4, 2: 3, 3: 3, 4: 2}[s.severity]
        for i in range(updates):
            fraction = (i + 0.5) / updates * 0.9
            phase = ("early", "cause")[i] if i < 2 else (
                "contained" if contained and fraction > 0.6 else
                "verifying" if s.was_resolved and fraction > 0.7 else "fixing")
            self.at(window(fraction), self.public, phase)
        notes = {1: 4, 2: 3, 3: 2, 4: 1}[s.severity]
        for i in range(notes):
            author = self.am if i == 3 else None
            self.at(window((i + 0.25) / notes * 0.9), self.note, INTERNAL[i], author)
        if s.comment or self.rng.random() < 0.35:
            self.at(window(0.55), self.comment)
        if contained:
            self.at(window(0.6), self.change, Status.CONTAINED, self.kit.workaround)
        if s.peak:
            for j, tier in enumerate(reversed(TIER_ORDER[TIER_ORDER.index(s.tier):
                                                         TIER_ORDER.index(s.peak)])):
                self.at(window(0.7 + 0.05 * j), self.lower_tier, tier)
        self.plan_items(window)
        if not s.was_resolved and s.status != Status.WAITING_ON_CUSTOMER:
            self.at(finish, self.public, "contained" if contained else "fixing")

    def plan_items(self, window) -> None:
        """Milestones, remediation steps and exit criteria, in the state the story is in."""
        s, rng, start = self.s, self.rng, self.start
        kit = self.kit
        if s.was_resolved:
            dues = [window(0.35), window(0.75), window(1.0) + timedelta(hours=1),
                    self.ago(s.resolved) + timedelta(days=3)]
            dones = [window(0.3), window(0.7), window(1.0) - timedelta(minutes=5),
                     self.ago(s.closed) - timedelta(hours=1) if s.closed else None]
        else:
            upcoming = start + timedelta(hours=rng.randint(4, 20))
            dues = [window(0.4), start - timedelta(hours=2) if s.late_milestone else upcoming,
                    start + timedelta(hours=rng.randint(30, 72)), start + timedelta(days=2)]
            dones = [window(0.35), None, None, None]
        titles = [*kit.milestones, kit.internal_milestone]
        self.at(window(0.05), self.add_milestones, list(zip(titles, dues, strict=True)))
        for index, done in enumerate(dones):
            if done is not None:
                self.at(done, self.complete_milestone, index)
        steps = [(*step, Visibility.CUSTOMER) for step in kit.steps]
        steps.append((kit.internal_step[0], Party.VENDOR, *kit.internal_step[1:],
                      Visibility.INTERNAL))
        if s.was_resolved:
            for i, step in enumerate(steps):
                done = i < len(kit.steps) or s.closed
                state = StepStatus.DONE if done else StepStatus.IN_PROGRESS
                when = window(min(0.5 + 0.2 * i, 0.97))
                self.at(when, self.add_step, step, state, when)
            return
        states = {Status.INVESTIGATING: [StepStatus.IN_PROGRESS],
                  Status.CONTAINED: [StepStatus.DONE, StepStatus.IN_PROGRESS],
                  Status.WAITING_ON_CUSTOMER: [StepStatus.BLOCKED]}[s.status]
        for i, step in enumerate(steps):
            state = states[i] if i < len(states) else StepStatus.PLANNED
            due = start + timedelta(hours=(i + 1) * rng.randint(18, 36))
            self.at(window(0.35), self.add_step, step, state, due)
        self.at(window(0.36), self.add_exits)

    def plan_ending(self, finish: datetime, latest: datetime) -> None:
        s = self.s
        if s.status == Status.WAITING_ON_CUSTOMER:
            self.at(finish, self.change, Status.WAITING_ON_CUSTOMER,
                    f"To go further we need {self.kit.ask}. Could you send it when you can? "
                    "The resolution clock is paused until then.")
            self.at(finish + timedelta(minutes=5), self.public, "waiting", timedelta(days=1))
            self.at(finish + (latest - finish) * 0.5, self.note, WAITING_NOTE, self.am)
        if s.stale_update:
            self.at(self.start - timedelta(minutes=20), self.note, STALE_NOTE)
        if not s.was_resolved:
            return
        self.at(finish, self.resolve)
        if s.closed:
            self.at(self.ago(s.closed), self.change, Status.CLOSED,
                    f"Closed after {self.org.name} confirmed everything works as expected.")
        if s.reopened:
            reopened = self.ago(s.reopened)
            self.at(reopened, self.reopen)
            self.at(reopened + timedelta(minutes=20), self.public, "reopened")
            self.at(reopened + timedelta(minutes=45), self.note, REOPEN_NOTE)
            self.at(reopened + timedelta(hours=1), self.plan_recurrence)
            self.at(self.start - timedelta(minutes=self.rng.randint(20, 50)), self.public,
                    "recurrence")

    # ── acting (each runs inside frozen_at) ─────────────────────────────────────────────
    def _staff_for(self, tier: Tier, *, besides: User | None = None) -> User:
        keys = [k for k in TIER_STAFF[tier.value] if besides is None
                or self.cast.staff[k].id != besides.id]
        return self.cast.staff[self.rng.choice(keys)]

    def _peer(self) -> str:
        agents = [self.cast.staff[k] for keys in TIER_STAFF.values() for k in keys]
        return self.rng.choice([a for a in agents if a.id != self.owner.id]).first_name

    def _text(self, template: str) -> str:
        signal = self.rng.choice(self.kit.signals)
        return template.format(**self.words, signal=signal, peer=self._peer(),
                               owner=self.owner.name)

    def _template(self, reason: Trigger, detail: str = "") -> ops.HandoffTemplate:
        s = self.s
        steps = (f"Alert fired on `{self.words['host']}`; no human triage yet."
                 if self.opener is None and not self.escalation else
                 f"Reproduced from {s.ticket}; checked {self.kit.component} dashboards and the "
                 f"last 24 h of deploys; logs from `{self.words['host']}` attached. Findings "
                 "so far are in the internal notes.")
        return ops.HandoffTemplate(summary=s.summary, customer_impact=s.impact,
                                   steps_taken=steps, environment=self.kit.environment,
                                   reason=reason, reason_detail=detail)

    def open(self) -> None:
        s = self.s
        self.escalation = ops.open_escalation(
            self.org, actor=self.opener, title=s.title,
            severity=s.opened_severity or s.severity, trigger=s.trigger,
            handoff=self._template(s.trigger), owner=self.owner, product_area=s.area,
            category=s.category, source_ticket=s.ticket, users_affected=s.users,
            core_operations_blocked=s.blocked, reputational_risk=s.risk)
        # Opened above the senior-involvement threshold: routed straight to Management, so
        # the story's step-by-step tier moves no longer apply.
        self.routed_at_open = self.escalation.tier == Tier.MANAGEMENT

    def acknowledge(self) -> None:
        pending = db.session.scalars(select(Handoff).where(
            Handoff.escalation_id == self.escalation.id, Handoff.acknowledged_at.is_(None))
        ).first()
        if pending is not None:
            ops.acknowledge_handoff(pending, actor=self.owner)
        self.change(Status.ACKNOWLEDGED, f"{self.owner.name} is leading the investigation.")

    def change(self, target: Status, reason: str = "") -> None:
        ops.change_status(self.escalation, target, actor=self.owner, reason=reason)

    def resolve(self) -> None:
        ops.change_status(self.escalation, Status.RESOLVED, actor=self.owner,
                          resolution_summary=self.s.resolution)

    def reopen(self) -> None:
        ops.change_status(self.escalation, Status.INVESTIGATING, actor=self.am,
                          reason=self.s.reopen_reason)

    def set_communicator(self, who: User) -> None:
        ops.assign_communicator(self.escalation, who, actor=who)

    def change_severity(self) -> None:
        raised = self.s.severity < self.s.opened_severity
        ops.change_severity(self.escalation, self.s.severity, actor=self.owner,
                            reason=(RAISED if raised else LOWERED).format(**self.words))

    def raise_tier(self, tier: Tier, acknowledged: bool) -> None:
        if self.routed_at_open:
            return
        reason = TIER_REASONS[tier].format(**self.words)
        if tier == Tier.MANAGEMENT:
            ops.change_tier(self.escalation, tier, actor=self.em, reason=reason)
            self.set_communicator(self.em)
            return
        ops.change_tier(self.escalation, tier, actor=self.owner, reason=reason)
        receiver = self._staff_for(tier, besides=self.owner)
        trigger = Trigger.SEVERITY if self.s.severity <= 2 else Trigger.TIME_IN_STATUS
        handoff = ops.transfer_ownership(self.escalation, receiver, actor=self.owner,
                                         template=self._template(trigger, reason))
        self.owner = receiver
        if acknowledged:
            later = now() + timedelta(minutes=self.rng.randint(4, 25))
            with frozen_at(min(later, self.start - timedelta(minutes=1))):
                ops.acknowledge_handoff(handoff, actor=receiver)
                db.session.flush()

    def lower_tier(self, tier: Tier) -> None:
        if self.routed_at_open:
            return
        ops.change_tier(self.escalation, tier, actor=self.owner, reason=DE_ESCALATION)

    def public(self, phase: str, promise_in: timedelta | None = None) -> None:
        """A customer-visible update that promises the next one (cadence by default)."""
        author = self.escalation.communicator or self.owner
        promise_in = promise_in or timedelta(minutes=self.target.update_minutes)
        fresh = [text for text in PUBLIC[phase] if text not in self.said] or list(PUBLIC[phase])
        text = self.rng.choice(fresh)
        self.said.add(text)
        ops.post_update(self.escalation, author=author, visibility=Visibility.CUSTOMER,
                        body=self._text(text), next_update_by=_round_up(now() + promise_in))

    def note(self, template: str, author: User | None = None) -> None:
        ops.post_update(self.escalation, author=author or self.owner,
                        visibility=Visibility.INTERNAL, body=self._text(template))

    def comment(self) -> None:
        author = self.customers[Role(self.s.comment_by)]
        body = self.s.comment or self.rng.choice(COMMENTS)
        ops.post_update(self.escalation, author=author, visibility=Visibility.CUSTOMER,
                        body=body)

    def add_milestones(self, items: list[tuple[str, datetime]]) -> None:
        last = len(items) - 1
        for index, (title, due) in enumerate(items):
            visibility = Visibility.INTERNAL if index == last else Visibility.CUSTOMER
            self.milestones.append(ops.add_milestone(
                self.escalation, actor=self.owner, title=title, due_at=due,
                visibility=visibility))

    def complete_milestone(self, index: int) -> None:
        ops.complete_milestone(self.milestones[index], actor=self.owner)

    def add_step(self, step, state: StepStatus, due: datetime) -> None:
        title, party, validation, metric, visibility = step
        owner = self.owner if party == Party.VENDOR else self.customers[Role.CUSTOMER_ADMIN]
        ops.add_remediation_step(self.escalation, actor=self.owner, title=title,
                                 owner_party=party, owner=owner, due_at=due,
                                 validation_test=validation, success_metric=metric,
                                 status=state, visibility=visibility)

    def add_exits(self) -> None:
        for description in self.kit.exits:
            ops.add_exit_criterion(self.escalation, actor=self.owner, description=description)
        ops.add_exit_criterion(self.escalation, actor=self.owner, description=INTERNAL_EXIT,
                               visibility=Visibility.INTERNAL)

    def plan_recurrence(self) -> None:
        """After a reopen: a fresh milestone, a step in progress and the exit criteria."""
        self.milestones.append(ops.add_milestone(
            self.escalation, actor=self.owner, title=REOPEN_MILESTONE,
            due_at=self.start + timedelta(hours=20)))
        self.add_step(REOPEN_STEP, StepStatus.IN_PROGRESS, self.start + timedelta(days=1))
        self.add_exits()
