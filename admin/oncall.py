"""On call: every team with who is on call now, each team's rotation, calendar and overrides.
Every staff member reads them; escalation managers and administrators keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.oncall_forms import OverrideForm, TeamForm
from portal.administration.people import active_staff
from portal.clock import now
from portal.extensions import db
from portal.loading import row_or_404
from portal.oncall import queries
from portal.oncall.models import RosterOverride, RotationLength, Team
from portal.oncall.operations import (
    TeamSettings,
    add_override,
    create_team,
    edit_team,
    remove_override,
)
from portal.permissions import Capability, requires
from portal.submissions import perform, submit

navigation.main_entry("On call", "admin.oncall", order=40, in_bar=True)

CALENDAR_WEEKS = 4
DEFAULT_ACKNOWLEDGE_MINUTES = 15


@bp.route("/on-call")
def oncall():
    return render_template("admin/oncall/board.html", rows=queries.board(now()))


@bp.route("/on-call/now")
def oncall_now():
    """Who is on call, for the strip above the queue (loaded after the queue itself)."""
    return render_template("admin/oncall/_now.html", rows=queries.board(now()))


def _team_page(team: Team, override_form: OverrideForm | None = None, status: int = 200):
    start = now()
    override_form = override_form or OverrideForm(formdata=None, zone_name=team.timezone)
    override_form.offer_people(db.session.scalars(active_staff()))
    return render_template(
        "admin/oncall/team.html", team=team, override_form=override_form,
        calendar=queries.schedule(team, start, start + timedelta(weeks=CALENDAR_WEEKS)),
        overrides=db.session.scalars(queries.overrides_of(team, ending_after=start)).all(),
        weeks=CALENDAR_WEEKS), status


@bp.route("/on-call/<int:team_id>")
def oncall_team(team_id: int):
    return _team_page(row_or_404(Team, team_id))


def _settings(form: TeamForm) -> TeamSettings:
    return TeamSettings(
        name=form.name.data or "", product_area=form.product_area.data or "",
        timezone=(form.timezone.data or "").strip(),
        rotation_length=RotationLength(form.rotation_length.data),
        handoff_time=form.handoff_time.data, handoff_weekday=form.handoff_weekday.data,
        starts_on=form.starts_on.data, member_ids=[entry.data for entry in form.members],
        acknowledge_minutes=DEFAULT_ACKNOWLEDGE_MINUTES if form.acknowledge_minutes.data is None
        else form.acknowledge_minutes.data, manager_id=form.manager_id.data)


def _team_form(team: Team | None) -> TeamForm:
    if request.method == "POST":
        form = TeamForm()
    elif team is None:
        form = TeamForm(formdata=None, data={"starts_on": date.today()})
    else:
        form = TeamForm(formdata=None, obj=team, data={
            "rotation_length": team.rotation_length.value,
            "members": [m.user_id for m in team.members]})
    form.offer_people(db.session.scalars(active_staff()))
    return form


def _edit(team: Team | None):
    form = _team_form(team)
    if request.method == "POST":
        if team is None:
            saved = submit(form, lambda: create_team(_settings(form), actor=current_user),
                           done="Team created.")
        else:
            saved = submit(form, lambda: edit_team(team, _settings(form), actor=current_user),
                           done="Team saved.")
        if saved.ok:
            return redirect(url_for("admin.oncall_team", team_id=saved.value.id))
        return render_template("admin/oncall/edit.html", form=form, team=team), 422
    return render_template("admin/oncall/edit.html", form=form, team=team)


@bp.route("/on-call/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_new():
    return _edit(None)


@bp.route("/on-call/<int:team_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_edit(team_id: int):
    return _edit(row_or_404(Team, team_id))


def _instant(local: datetime | None, team: Team) -> datetime | None:
    return None if local is None else local.replace(tzinfo=team.zone).astimezone(UTC)


@bp.route("/on-call/<int:team_id>/overrides", methods=["POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_override_add(team_id: int):
    team = row_or_404(Team, team_id)
    form = OverrideForm(zone_name=team.timezone)
    form.offer_people(db.session.scalars(active_staff()))
    saved = submit(form, lambda: add_override(
        team, user_id=form.user_id.data, starts_at=_instant(form.starts_at.data, team),
        ends_at=_instant(form.ends_at.data, team), reason=form.reason.data or "",
        actor=current_user), done="Override added.")
    if saved.ok:
        return redirect(url_for("admin.oncall_team", team_id=team.id))
    return _team_page(team, form, 422)


@bp.route("/on-call/<int:team_id>/overrides/<int:override_id>/remove", methods=["POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_override_remove(team_id: int, override_id: int):
    override = row_or_404(RosterOverride, override_id, team_id=team_id)
    perform(lambda: remove_override(override, actor=current_user), done="Override removed.")
    return redirect(url_for("admin.oncall_team", team_id=team_id))
