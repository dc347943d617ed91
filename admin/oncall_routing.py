"""Routing rules: which team a new escalation nobody owns goes to (on-call triage, the first
matching rule wins), and "Test these rules" with an example escalation. Every staff member
reads them and tests them; escalation managers and administrators keep them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp
from admin.oncall_routing_forms import SEVERITY_WORDS, RuleForm, RuleTestForm
from portal.administration.organizations import organizations_by_name
from portal.clock import now
from portal.extensions import db
from portal.loading import row_or_404
from portal.oncall import queries, triage_queries
from portal.oncall.routing import Facts, describe
from portal.oncall.routing_operations import (
    RuleSettings,
    create_rule,
    delete_rule,
    edit_rule,
    move_rule,
)
from portal.oncall.triage_models import RoutingRule
from portal.permissions import Capability, requires
from portal.submissions import perform, submit


def _page(form: RuleTestForm):
    every_rule = db.session.scalars(triage_queries.rules()).unique().all()
    organizations = db.session.scalars(organizations_by_name()).all()
    form.offer(organizations=organizations)
    result = None
    if "severity" in request.args and form.validate():
        facts = Facts(form.organization_id.data, form.product_area.data or "",
                      form.category.data or "", form.severity.data, form.trigger.data)
        result = triage_queries.test_rules(facts, now(), every_rule)
    return render_template(
        "admin/oncall/routing.html", rules=every_rule, test_form=form, result=result,
        describe=describe, severity_words=SEVERITY_WORDS), 200 if result or not form.errors \
        else 422


@bp.route("/on-call/routing")
def oncall_routing():
    return _page(RuleTestForm(request.args))


def _settings(form: RuleForm) -> RuleSettings:
    return RuleSettings(team_id=form.team_id.data, organization_id=form.organization_id.data,
                        product_area=form.product_area.data or "",
                        category=form.category.data or "",
                        max_severity=form.max_severity.data, trigger=form.trigger.data)


def _rule_form(rule: RoutingRule | None) -> RuleForm:
    if request.method == "POST":
        form = RuleForm()
    elif rule is None:
        form = RuleForm(formdata=None)
    else:
        form = RuleForm(formdata=None, obj=rule,
                        data={"trigger": rule.trigger.value if rule.trigger else ""})
    form.offer(teams=db.session.scalars(queries.teams()).all(),
               organizations=db.session.scalars(organizations_by_name()).all())
    return form


def _edit(rule: RoutingRule | None):
    form = _rule_form(rule)
    if request.method == "POST":
        if rule is None:
            saved = submit(form, lambda: create_rule(_settings(form), actor=current_user),
                           done="Rule added at the end of the list.")
        else:
            saved = submit(form, lambda: edit_rule(rule, _settings(form), actor=current_user),
                           done="Rule saved.")
        if saved.ok:
            return redirect(url_for("admin.oncall_routing"))
        return render_template("admin/oncall/rule_edit.html", form=form, rule=rule), 422
    return render_template("admin/oncall/rule_edit.html", form=form, rule=rule)


@bp.route("/on-call/routing/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_rule_new():
    return _edit(None)


@bp.route("/on-call/routing/<int:rule_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_rule_edit(rule_id: int):
    return _edit(row_or_404(RoutingRule, rule_id))


@bp.route("/on-call/routing/<int:rule_id>/delete", methods=["POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_rule_delete(rule_id: int):
    rule = row_or_404(RoutingRule, rule_id)
    perform(lambda: delete_rule(rule, actor=current_user), done="Rule deleted.")
    return redirect(url_for("admin.oncall_routing"))


@bp.route("/on-call/routing/<int:rule_id>/move", methods=["POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_rule_move(rule_id: int):
    rule = row_or_404(RoutingRule, rule_id)
    up = request.form.get("direction") == "up"
    perform(lambda: move_rule(rule, up, actor=current_user),
            done=f"Rule moved {'up' if up else 'down'}.")
    return redirect(url_for("admin.oncall_routing", _anchor=f"rule-{rule_id}"))
