"""SLA policies (support plans): the list, creating and editing targets and calendars."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from admin import bp, navigation
from admin.account_forms import PolicyForm
from portal.accounts.models import SlaPolicy
from portal.administration.policies import (
    SUGGESTED_TARGETS,
    PolicyInput,
    TargetInput,
    create_policy,
    organizations_on,
    organizations_per_policy,
    update_policy,
)
from portal.administration.policies import (
    policies as all_policies,
)
from portal.enums import Severity
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.submissions import submit

navigation.main_entry("SLA policies", "admin.policies", order=55)


@bp.route("/policies")
@requires(Capability.VIEW_CONSOLE)
def policies():
    rows = db.session.scalars(all_policies().options(selectinload(SlaPolicy.targets))).all()
    counts = organizations_per_policy()
    return render_template("admin/policies/list.html", policies=rows, counts=counts)


@bp.route("/policies/<int:policy_id>")
@requires(Capability.VIEW_CONSOLE)
def policy(policy_id: int):
    policy = row_or_404(SlaPolicy, policy_id)
    return render_template("admin/policies/detail.html", policy=policy,
                           organizations=db.session.scalars(organizations_on(policy.id)).all())


def _fill(form: PolicyForm, policy: SlaPolicy) -> None:
    form.name.data, form.description.data = policy.name, policy.description
    form.calendar.data = "24x7" if policy.is_24x7 else "business"
    form.holidays.data = "\n".join(policy.holidays or [])
    for target in policy.targets:
        sub = form[f"sev{target.severity}"]
        sub["acknowledge"].data = target.acknowledge_minutes
        sub["update"].data = target.update_minutes
        sub["resolve"].data = target.resolve_minutes
    for day in range(7):
        intervals = (policy.business_hours or {}).get(str(day)) or []
        sub = form[f"day{day}"]
        sub["open"].data = bool(intervals)
        if intervals:
            sub["start"].data, sub["end"].data = intervals[0][0], intervals[-1][1]


def _input(form: PolicyForm) -> PolicyInput:
    hours = None
    if form.calendar.data == "business":
        hours = {day: [(sub["start"].data.strip(), sub["end"].data.strip())]
                 for day in range(7) if (sub := form[f"day{day}"])["open"].data}
    targets = {
        severity.value: TargetInput(
            acknowledge_minutes=form[f"sev{severity.value}"]["acknowledge"].data,
            update_minutes=form[f"sev{severity.value}"]["update"].data,
            resolve_minutes=form[f"sev{severity.value}"]["resolve"].data)
        for severity in Severity}
    return PolicyInput(name=form.name.data, description=form.description.data or "",
                       business_hours=hours, holidays=form.holiday_dates(), targets=targets)


def _validate(form: PolicyForm) -> bool:
    valid = form.validate()
    if form.calendar.data != "business":
        # Hours of a 24×7 policy are ignored, so their mistakes are not the user's problem.
        for day in range(7):
            form[f"day{day}"]["end"].errors = []
        valid = not any(errors for name, errors in form.errors.items()
                        if not (name or "").startswith("day"))
    elif not any(form[f"day{day}"]["open"].data for day in range(7)):
        form.calendar.errors = [*form.calendar.errors, "Open at least one day, or choose 24×7."]
        valid = False
    return valid


def _form_page(form, policy, *, status=200):
    organizations = db.session.scalars(organizations_on(policy.id)).all() if policy else []
    return render_template("admin/policies/form.html", form=form, policy=policy,
                           organizations=organizations), status


@bp.route("/policies/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def policy_new():
    form = PolicyForm()
    if not form.is_submitted():
        for severity, minutes in SUGGESTED_TARGETS.items():
            for kind, value in zip(("acknowledge", "update", "resolve"), minutes, strict=True):
                form[f"sev{severity}"][kind].data = value
        for day in range(5):  # Monday to Friday, for when business hours are chosen
            form[f"day{day}"]["open"].data = True
        return _form_page(form, None)
    created = submit(form, lambda: create_policy(_input(form), actor=current_user),
                     validate=lambda: _validate(form))
    if created.ok:
        flash(f"{created.value.name} is saved.", "success")
        return redirect(url_for("admin.policy", policy_id=created.value.id))
    return _form_page(form, None, status=422)


@bp.route("/policies/<int:policy_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def policy_edit(policy_id: int):
    policy = row_or_404(SlaPolicy, policy_id)
    form = PolicyForm()
    if not form.is_submitted():
        _fill(form, policy)
        return _form_page(form, policy)
    saved = submit(form, lambda: update_policy(policy, _input(form), actor=current_user),
                   validate=lambda: _validate(form))
    if saved.ok:
        refreshed = saved.value
        flash(f"{policy.name} is saved; {refreshed} open escalation"
              f"{'s' if refreshed != 1 else ''} now follow{'s' if refreshed == 1 else ''}"
              " the new targets.", "success")
        return redirect(url_for("admin.policy", policy_id=policy.id))
    return _form_page(form, row_or_404(SlaPolicy, policy_id), status=422)



@bp.app_template_global()
def minutes_timedelta(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)
