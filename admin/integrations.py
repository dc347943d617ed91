"""Monitoring integrations: who may send signals, how their labels map, and what each signal
did. Everyone on the console reads them; escalation managers and administrators create and
configure them (MANAGE_INTEGRATIONS); whoever works escalations may mute one or detach an
escalation from its signal. A credential is shown once, on the page that made it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from admin import bp, navigation
from admin.integration_forms import ConfigureForm, NewIntegrationForm
from portal.administration.organizations import organizations_by_name
from portal.enums import Trigger
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.inputs import page_arg
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.signals import operations, queries
from portal.signals.mapping import rules_text
from portal.signals.models import AuthMethod, Integration, IntegrationKind, SignalLink
from portal.submissions import run, submit

navigation.main_entry("Integrations", "admin.integrations", order=75)
SIGNALS_PER_PAGE = 25


@bp.app_template_global()
def signal_link_of(escalation: Escalation) -> SignalLink | None:
    """The open monitoring link of an escalation, for the banner every tab shows (no query
    for escalations monitoring did not open)."""
    if escalation.trigger != Trigger.MONITORING_SIGNAL:
        return None
    return db.session.scalars(queries.link_of(escalation)).first()


@bp.route("/integrations")
def integrations():
    rows = db.session.execute(queries.integrations()).all()
    return render_template("admin/integrations/list.html", rows=rows)


@bp.route("/integrations/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_INTEGRATIONS)
def new_integration():
    form = NewIntegrationForm()
    if request.method == "GET":
        return render_template("admin/integrations/new.html", form=form)
    made = submit(form, lambda: operations.create_integration(
        name=form.name.data or "", kind=IntegrationKind(form.kind.data),
        auth_method=AuthMethod(form.auth_method.data), actor=current_user))
    if not made.ok:
        return render_template("admin/integrations/new.html", form=form), 422
    integration, secret = made.value
    return _page(integration, secret=secret, status=201)


def _configure_form(integration: Integration, formdata=None) -> ConfigureForm:
    form = ConfigureForm(formdata=formdata, data={
        "rules": rules_text(integration.rules or []),
        "default_organization": integration.default_organization_id or 0,
        "default_severity": integration.default_severity,
        "default_product_area": integration.default_product_area})
    form.default_organization.choices = [SelectChoice(0, "None: unmatched alerts do nothing")] + [
        SelectChoice(org.id, f"{org.name} ({org.slug})")
        for org in db.session.scalars(organizations_by_name())]
    return form


def _page(integration: Integration, *, form: ConfigureForm | None = None,
          secret: str | None = None, status: int = 200):
    signals = db.paginate(queries.recent_signals(integration.id), page=page_arg(),
                          per_page=SIGNALS_PER_PAGE, error_out=False)
    return render_template(
        "admin/integrations/page.html", integration=integration, secret=secret,
        form=form or _configure_form(integration), signals=signals,
        outcomes=dict(db.session.execute(queries.outcome_counts(integration.id)).all()),
        links=db.session.scalars(queries.open_links(integration.id)).all(),
        outcome_words=queries.OUTCOME_WORDS), status


@bp.route("/integrations/<int:integration_id>")
def integration(integration_id: int):
    return _page(row_or_404(Integration, integration_id))


@bp.route("/integrations/<int:integration_id>/configure", methods=["POST"])
@requires(Capability.MANAGE_INTEGRATIONS)
def configure_integration(integration_id: int):
    integration = row_or_404(Integration, integration_id)
    form = _configure_form(integration, request.form)
    saved = submit(form, lambda: operations.configure_integration(
        integration, rules_text=form.rules.data or "",
        default_organization_id=form.default_organization.data or None,
        default_severity=form.default_severity.data,
        default_product_area=form.default_product_area.data or "", actor=current_user),
        done="Mapping saved.")
    if not saved.ok:
        return _page(row_or_404(Integration, integration_id), form=form, status=422)
    return redirect(url_for("admin.integration", integration_id=integration_id))


@bp.route("/integrations/<int:integration_id>/credential", methods=["POST"])
@requires(Capability.MANAGE_INTEGRATIONS)
def rotate_integration_credential(integration_id: int):
    integration = row_or_404(Integration, integration_id)
    secret = operations.rotate_credential(integration, actor=current_user)
    db.session.commit()
    return _page(integration, secret=secret)


@bp.route("/integrations/<int:integration_id>/mute", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def mute_integration(integration_id: int):
    integration = row_or_404(Integration, integration_id)
    muted = request.form.get("muted", "1") == "1"
    operations.set_muted(integration, muted, actor=current_user)
    db.session.commit()
    state = "muted: signals are recorded and do nothing" if muted else "live"
    flash(f"{integration.name} is {state}.", "success")
    return redirect(url_for("admin.integration", integration_id=integration_id))


@bp.route("/signal-links/<int:link_id>/detach", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def detach_signal(link_id: int):
    link = row_or_404(SignalLink, link_id)
    integration_id, escalation_id = link.integration_id, link.escalation_id
    outcome = run(lambda: operations.detach_link(link, actor=current_user))
    flash("Detached: the next firing opens a new escalation." if outcome.ok
          else str(outcome.value), "success" if outcome.ok else "error")
    if request.form.get("back") == "integration":
        return redirect(url_for("admin.integration", integration_id=integration_id))
    return redirect(url_for("admin.escalation", escalation_id=escalation_id))
