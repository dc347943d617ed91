"""Drills: escalation managers keep scenarios, start a drill from one with chosen
participants, and end it; everyone in the console reads the drills and their scorecards
(past drills side by side, to compare over time)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.drill_forms import ScenarioForm, StartDrillForm
from portal.administration.organizations import organizations_by_name
from portal.administration.people import active_staff
from portal.drills import queries
from portal.drills.models import Drill, DrillScenario, InjectionKind
from portal.drills.operations import (
    ScenarioSettings,
    archive_scenario,
    create_scenario,
    edit_scenario,
    end_drill,
    restore_scenario,
    start_drill,
)
from portal.drills.script import as_lines, parse_lines
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.loading import row_or_404
from portal.operations import OperationError
from portal.permissions import Capability, requires
from portal.submissions import perform, submit

navigation.main_entry("Drills", "admin.drills", order=78, capability=Capability.RUN_DRILLS)


@bp.app_template_global()
def drill_of(escalation: Escalation) -> Drill | None:
    """The drill an escalation belongs to, for the banner every tab shows (no query for a
    real escalation)."""
    if not escalation.is_drill:
        return None
    return db.session.scalars(queries.drill_of_escalation(escalation.id)).first()


@bp.route("/drills")
def drills():
    return render_template(
        "admin/drills/index.html",
        scenarios=db.session.scalars(queries.scenarios()).all(),
        archived=db.session.scalars(queries.scenarios(archived=True)).all(),
        running=db.session.scalars(queries.running_drills()).all(),
        past=db.session.scalars(queries.past_drills()).all())


def _settings(form: ScenarioForm) -> ScenarioSettings:
    return ScenarioSettings(
        name=form.name.data or "", organization_id=form.organization_id.data,
        title=form.title.data or "", severity=form.severity.data,
        product_area=form.product_area.data or "", summary=form.summary.data or "",
        customer_impact=form.customer_impact.data or "",
        script=parse_lines(form.script.data or ""))


def _scenario_form(scenario: DrillScenario | None) -> ScenarioForm:
    if request.method == "POST":
        form = ScenarioForm()
    elif scenario is None:
        form = ScenarioForm(formdata=None)
    else:
        form = ScenarioForm(formdata=None, obj=scenario)
        form.script.data = as_lines(scenario.script or [])  # the stored rows, as lines
    form.offer_organizations(db.session.scalars(organizations_by_name()))
    return form


def _edit(scenario: DrillScenario | None):
    form = _scenario_form(scenario)
    if request.method == "POST":
        def save():
            if scenario is None:
                return create_scenario(_settings(form), actor=current_user)
            return edit_scenario(scenario, _settings(form), actor=current_user)

        saved = submit(form, save, done="Scenario saved.")
        if saved.ok:
            return redirect(url_for("admin.drills"))
        return render_template("admin/drills/scenario.html", form=form, scenario=scenario,
                               kinds=list(InjectionKind)), 422
    return render_template("admin/drills/scenario.html", form=form, scenario=scenario,
                           kinds=list(InjectionKind))


@bp.route("/drills/scenarios/new", methods=["GET", "POST"])
@requires(Capability.RUN_DRILLS)
def drill_scenario_new():
    return _edit(None)


@bp.route("/drills/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
@requires(Capability.RUN_DRILLS)
def drill_scenario_edit(scenario_id: int):
    return _edit(row_or_404(DrillScenario, scenario_id))


@bp.post("/drills/scenarios/<int:scenario_id>/archive")
@requires(Capability.RUN_DRILLS)
def drill_scenario_archive(scenario_id: int):
    scenario = row_or_404(DrillScenario, scenario_id)
    perform(lambda: archive_scenario(scenario, actor=current_user),
            done=f"“{scenario.name}” archived: its past drills stay below. Restore it from "
                 "Archived scenarios to run it again.")
    return redirect(url_for("admin.drills"))


@bp.post("/drills/scenarios/<int:scenario_id>/restore")
@requires(Capability.RUN_DRILLS)
def drill_scenario_restore(scenario_id: int):
    scenario = row_or_404(DrillScenario, scenario_id)
    perform(lambda: restore_scenario(scenario, actor=current_user),
            done=f"“{scenario.name}” restored: it can be started again.")
    return redirect(url_for("admin.drills"))


@bp.route("/drills/scenarios/<int:scenario_id>/start", methods=["GET", "POST"])
@requires(Capability.RUN_DRILLS)
def drill_start(scenario_id: int):
    scenario = row_or_404(DrillScenario, scenario_id)
    if scenario.is_archived:
        flash(f"“{scenario.name}” is archived: restore it to start a drill from it.", "error")
        return redirect(url_for("admin.drills", _anchor="archived-scenarios"))
    form = StartDrillForm() if request.method == "POST" else StartDrillForm(formdata=None)
    people = db.session.scalars(active_staff()).all()
    form.offer_people(people)
    if request.method == "POST":
        by_id = {person.id: person for person in people}

        def start():
            chosen = []
            for person_id in form.participants.data or []:
                if person_id not in by_id:
                    raise OperationError("Only active staff take part in a drill.",
                                         "participants")
                chosen.append(by_id[person_id])
            return start_drill(scenario, participants=chosen, actor=current_user,
                               owner=by_id.get(form.owner_id.data))

        started = submit(form, start, done="Drill started: it is marked DRILL everywhere "
                                           "staff see it, and customers never see it.")
        if started.ok:
            return redirect(url_for("admin.drill", drill_id=started.value.id))
        return render_template("admin/drills/start.html", form=form, scenario=scenario), 422
    return render_template("admin/drills/start.html", form=form, scenario=scenario)


@bp.route("/drills/<int:drill_id>")
def drill(drill_id: int):
    found = queries.drill_page(drill_id)
    if found is None:
        abort(404)
    return render_template("admin/drills/drill.html", drill=found)


@bp.route("/drills/<int:drill_id>/end", methods=["POST"])
@requires(Capability.RUN_DRILLS)
def drill_end(drill_id: int):
    found = row_or_404(Drill, drill_id)
    perform(lambda: end_drill(found, actor=current_user),
            done="Drill ended; its scorecard is below.")
    return redirect(url_for("admin.drill", drill_id=drill_id))

