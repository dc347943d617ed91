"""The app's clocks agree with an independent minute-by-minute model (tests/escalations/
minute_model.py, written from the README's words) for generated escalations: time zones with
DST (including a 30-minute shift), business-hours calendars with boundaries at 00:00, in
02:00–03:00 and at 24:00, 24x7 calendars, holidays, pauses, severity changes, handoffs, tier
changes, commitments, reopens — queried before, between and after the events.

Each case is played through the real operations into the database; `clocks_as_of` is checked
at every query instant, and every fifth case also through `flask sla show REF --at … --json`.
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.accounts.models import SlaPolicy, SlaTarget, User
from portal.clock import frozen_at
from portal.enums import Role, Status, Tier, Visibility
from portal.escalations import operations as ops
from portal.escalations import workflow
from portal.escalations.clocks import clocks_as_of, status_at
from portal.extensions import db
from tests import factories
from tests.escalations.minute_model import ModelCalendar, ModelEscalation, clocks

# The 2026 DST changes (all on a Sunday), a zone without DST and UTC: (zone, local date).
CHANGES = [("Europe/Berlin", date(2026, 3, 29)), ("Europe/Berlin", date(2026, 10, 25)),
           ("America/New_York", date(2026, 3, 8)), ("America/New_York", date(2026, 11, 1)),
           ("Australia/Sydney", date(2026, 4, 5)), ("Australia/Sydney", date(2026, 10, 4)),
           ("Australia/Lord_Howe", date(2026, 4, 5)), ("Australia/Lord_Howe", date(2026, 10, 4)),
           ("Asia/Kolkata", date(2026, 6, 14)), ("UTC", date(2026, 6, 14))]
BOUNDARIES = [0, 60, 90, 120, 135, 150, 180, 210, 480, 540, 720, 1020, 1080, 1320, 1440]
# Boundaries around the night's changes: at 00:00, inside 01:00–03:00, and at 24:00.
NIGHT = [0, 60, 90, 120, 135, 150, 180, 210, 1440]
CLI_EVERY = 5
RUN = {"cases": 0, "instants": 0, "cli": 0}


@st.composite
def calendars(draw):
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    hours = {}
    for weekday in range(7):
        cuts = sorted(set(draw(st.lists(st.sampled_from(BOUNDARIES), max_size=4))))
        pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        if pairs:
            hours[weekday] = pairs
    if draw(st.booleans()):  # the DST Sunday's night, where the gap and the repeat are
        cuts = sorted(set(draw(st.lists(st.sampled_from(NIGHT), min_size=2, max_size=4))))
        hours[6] = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    if not any(hours.values()):
        hours = {0: [(540, 1080)]}
    return hours


@st.composite
def cases(draw):
    zone, pivot = draw(st.sampled_from(CHANGES))
    local_midnight = datetime.combine(pivot, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    opened = local_midnight + timedelta(minutes=draw(st.integers(-2 * 1440, 240)))
    hours = draw(calendars())
    holidays = draw(st.sets(st.sampled_from(
        [pivot + timedelta(days=n) for n in range(-3, 6)]), max_size=2)) if hours else set()
    targets = {severity: (draw(st.integers(1, 240)), draw(st.integers(1, 480)),
                          draw(st.integers(1, 720))) for severity in (1, 2, 3, 4)}
    steps = draw(st.lists(st.tuples(
        st.integers(0, 300),
        st.sampled_from(["status", "status", "status_note", "severity", "note", "commitment",
                         "comment", "handoff", "tier", "internal"]),
        st.integers(0, 1000)), max_size=10))
    offsets = draw(st.lists(st.integers(-30, 600), min_size=1, max_size=3))
    return dict(zone=zone, opened=opened, hours=hours, holidays=holidays, targets=targets,
                severity=draw(st.integers(1, 4)), steps=steps, offsets=offsets)


def _policy(case) -> SlaPolicy:
    hours = None
    if case["hours"] is not None:
        hours = {str(day): [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"]
                            for s, e in pairs] for day, pairs in case["hours"].items()}
    policy = SlaPolicy(name=f"Property plan {RUN['cases']}-{id(case)}", business_hours=hours,
                       holidays=sorted(day.isoformat() for day in case["holidays"]))
    for severity, (ack, update, resolve) in case["targets"].items():
        policy.targets.append(SlaTarget(severity=severity, acknowledge_minutes=ack,
                                        update_minutes=update, resolve_minutes=resolve))
    db.session.add(policy)
    return policy


def _play(case, agent, manager):
    """Open the escalation and play the steps through the operations; return it and the
    model's record of what happened."""
    org = factories.make_organization(policy=_policy(case), timezone=case["zone"])
    opened = case["opened"]
    with frozen_at(opened):
        escalation = factories.make_escalation(org, actor=agent, severity=case["severity"])
    record = ModelEscalation(opened, case["targets"], [(opened, "new")],
                             [(opened, case["severity"])], [])
    at, customer = opened, None
    for gap, action, choice in case["steps"]:
        at += timedelta(minutes=gap)
        with frozen_at(at):
            if action in ("status", "status_note"):
                allowed = workflow.allowed_statuses(escalation.status)
                target = allowed[choice % len(allowed)]
                note = "We are testing a fix with your team." if action == "status_note" else ""
                reopening = workflow.is_reopen(escalation.status, target)
                ops.change_status(escalation, target, actor=agent,
                                  reason="It came back." if reopening else note,
                                  resolution_summary="Patched." if target == Status.RESOLVED
                                  else "")
                record.statuses.append((at, target.value))
                if note or reopening or target == Status.RESOLVED:
                    record.updates.append((at, True, None))  # staff's own note
            elif action == "severity":
                severity = [s for s in (1, 2, 3, 4) if s != escalation.severity][choice % 3]
                ops.change_severity(escalation, severity, actor=agent, reason="Impact changed.")
                record.severities.append((at, severity))
            elif action in ("note", "commitment"):
                promise = at + timedelta(minutes=1 + choice) if action == "commitment" else None
                ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                                body="Here is where we are.", next_update_by=promise)
                record.updates.append((at, True, promise))
            elif action == "comment":
                customer = customer or factories.make_customer(org)
                ops.comment_on_escalation(escalation, author=customer, body="Any news?")
            elif action == "handoff":
                receiver = manager if escalation.owner_id != manager.id else agent
                ops.transfer_ownership(escalation, receiver, actor=agent,
                                       template=factories.handoff_template())
            elif action == "tier":
                index = workflow.TIER_ORDER.index(escalation.tier)
                target = Tier.L2 if index == 0 else workflow.TIER_ORDER[index - 1]
                ops.change_tier(escalation, target, actor=agent, reason="Needs other hands.")
            else:
                ops.post_update(escalation, author=agent, visibility=Visibility.INTERNAL,
                                body="Only for us.")
    db.session.flush()
    return escalation, record, at


def _instants(case, record, last):
    opened = record.opened_at
    events = sorted({at for at, _ in record.statuses} | {at for at, _ in record.severities}
                    | {update[0] for update in record.updates})
    instants = {opened - timedelta(minutes=7), last}
    for event in events[-4:]:
        instants |= {event - timedelta(minutes=1), event, event + timedelta(minutes=1)}
    instants |= {last + timedelta(minutes=offset) for offset in case["offsets"]}
    return sorted(instants)


def _app_view(clocks_):
    def clock(c):
        return {"target_minutes": round(c.target.total_seconds() / 60),
                "counted_minutes": round(c.elapsed.total_seconds() / 60, 3),
                "state": c.state, "due_at": c.due_at, "paused_since": c.paused_since}
    nxt = clocks_.next_update
    return {"acknowledge": clock(clocks_.acknowledge), "resolve": clock(clocks_.resolve),
            "next_update": None if nxt is None else
            {"due_at": nxt.due_at, "basis": nxt.basis, "overdue": nxt.overdue}}


def _model_view(model):
    view = {name: dict(model[name]) for name in ("acknowledge", "resolve")}
    nxt = model["next_update"]
    view["next_update"] = None if nxt is None else {key: nxt[key] for key in
                                                     ("due_at", "basis", "overdue")}
    return view


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _cli_view(row):
    view = {}
    for name, c in row["clocks"].items():
        view[name] = {key: c[key] for key in ("target_minutes", "counted_minutes", "state",
                                              "due_at", "paused_since")}
    view["next_update"] = row["next_update"]
    view["severity"] = row["severity"]
    view["status"] = row["status"]
    return view


def _model_cli_view(model, status):
    view = {}
    for name in ("acknowledge", "resolve"):
        c = model[name]
        view[name] = {"target_minutes": c["target_minutes"],
                      "counted_minutes": float(c["counted_minutes"]), "state": c["state"],
                      "due_at": _iso(c["due_at"]), "paused_since": _iso(c["paused_since"])}
    nxt = model["next_update"]
    view["next_update"] = None if nxt is None else {
        "due_at": _iso(nxt["due_at"]), "basis": nxt["basis"], "overdue": nxt["overdue"],
        "state": nxt["state"], "target_minutes": nxt["target_minutes"],
        "counted_minutes": float(nxt["counted_minutes"])}
    view["severity"] = model["severity"]
    view["status"] = status
    return view


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    """Say how many cases ran, in the test run's own output (not only under -s)."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nSLA property test: {RUN['cases']} generated escalations, {RUN['instants']} "
              f"instants compared with the minute model, {RUN['cli']} through flask sla show")


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases())
def test_the_app_agrees_with_the_minute_model(case, staff_session, runner, world):
    agent = staff_session.get(User, world.staff[Role.AGENT].id)
    manager = staff_session.get(User, world.staff[Role.ESCALATION_MANAGER].id)
    escalation, record, last = _play(case, agent, manager)
    calendar = ModelCalendar(case["zone"], case["hours"], set(case["holidays"]))
    RUN["cases"] += 1
    through_cli = RUN["cases"] % CLI_EVERY == 0
    for instant in _instants(case, record, last):
        model = clocks(record, calendar, instant)
        assert _app_view(clocks_as_of(escalation, instant)) == _model_view(model), (
            case, instant)
        RUN["instants"] += 1
        if through_cli:
            result = runner.invoke(args=["sla", "show", escalation.reference, "--at",
                                         instant.isoformat(), "--json"])
            assert result.exit_code == 0, result.output
            row = json.loads(result.output)["escalations"][0]
            expected = _model_cli_view(model, status_at(escalation, instant))
            assert _cli_view(row) == expected, (case, instant)
            RUN["cli"] += 1
