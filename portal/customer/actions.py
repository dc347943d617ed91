"""What customers do on their escalation page.

Each action is a plain POST: without JavaScript it redirects back to the page with a flash
message; from htmx it answers its own fragment, and the timeline rides along out of band when
the action added to it. Invalid input answers 422 with the message next to its field (the
fragment for htmx, the whole page otherwise) and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.escalation import PAGE, page_context
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
    SurveyForm,
)
from portal.enums import Party, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import RemediationStep
from portal.forms import PortalForm
from portal.htmx import wants_fragment
from portal.loading import escalation_by_reference_or_404, row_or_404
from portal.submissions import submit

TIMELINE = "customer/_timeline.html"
PLAN_PROGRESS = "customer/_plan_progress.html"


@bp.post("/escalations/<reference>/comments")
@customer_required
def comment(reference: str):
    escalation = escalation_by_reference_or_404(reference)
    form = CommentForm()
    return _act(
        reference, form, "customer/_comment_form.html", anchor="timeline", also=(TIMELINE,),
        action=lambda: ops.comment_on_escalation(escalation, author=_viewer(),
                                                 body=form.body.data),
        done="Your comment is on the timeline. The owner and your contact have been told.",
        failed=lambda context: context.update(comment_form=form),
    )


@bp.post("/escalations/<reference>/escalation-requests")
@customer_required
def request_escalation(reference: str):
    escalation = escalation_by_reference_or_404(reference)
    form = EscalationRequestForm()
    return _act(
        reference, form, "customer/_escalation_request.html", anchor="escalation-request",
        also=(TIMELINE,),
        action=lambda: ops.request_escalation(escalation, requested_by=_viewer(),
                                              reason=form.reason.data),
        done="Your request for the next level is in. The escalation managers and the owner "
             "have been told; they will answer on the timeline.",
        failed=lambda context: context.update(request_form=form),
    )


@bp.post("/escalations/<reference>/subscription")
@customer_required
def subscription(reference: str):
    escalation = escalation_by_reference_or_404(reference)
    form = SubscriptionForm()
    subscribe = form.subscribed.data == "yes"
    return _act(
        reference, form, "customer/_subscription.html", anchor="subscription",
        action=lambda: ops.set_subscription(escalation, _viewer(), subscribe),
        done=(f"You will get emails about {escalation.reference}." if subscribe
              else f"You will no longer get emails about {escalation.reference}."),
        failed=lambda context: context.update(subscription_form=form),
    )


@bp.post("/escalations/<reference>/steps/<int:step_id>/complete")
@customer_required
def complete_step(reference: str, step_id: int):
    escalation = escalation_by_reference_or_404(reference)
    step = row_or_404(RemediationStep, step_id, escalation_id=escalation.id,
                      owner_party=Party.CUSTOMER, visibility=Visibility.CUSTOMER)
    form = StepCompletionForm(step.id)

    def with_step(context: dict, *, bound: bool) -> None:
        context["step"] = step
        if bound:
            context["step_forms"] = {**context["step_forms"], step.id: form}

    return _act(
        reference, form, "customer/_step.html", anchor=f"step-{step.id}",
        also=(TIMELINE, PLAN_PROGRESS),
        action=lambda: ops.complete_customer_step(step, user=_viewer(), note=form.note.data),
        done=f"“{step.title}” is marked done. The owner has been told.",
        failed=lambda context: with_step(context, bound=True),
        succeeded=lambda context: with_step(context, bound=False),
    )


@bp.post("/escalations/<reference>/survey")
@customer_required
def survey(reference: str):
    escalation = escalation_by_reference_or_404(reference)
    form = SurveyForm()
    return _act(
        reference, form, "customer/_survey.html", anchor="survey",
        action=lambda: ops.answer_survey(escalation, user=_viewer(), score=form.score.data,
                                         comment=form.comment.data or ""),
        done="Thank you for rating how we handled this escalation.",
        failed=lambda context: context.update(survey_form=form),
    )


def _viewer():
    return current_user._get_current_object()


def _act(reference: str, form: PortalForm, fragment: str, *, action: Callable[[], object],
         done: str, anchor: str, failed: Callable[[dict], None],
         succeeded: Callable[[dict], None] | None = None, also: tuple[str, ...] = ()):
    """Validate, run the operation, commit once; then answer as the request expects (an htmx
    request: the fragment, and out of band the other parts of the page it changed, `also`)."""
    if submit(form, action, validate=form.validate_on_submit).ok:
        if not wants_fragment():
            flash(done, "success")
            return redirect(url_for("customer.escalation", reference=reference,
                                    _anchor=anchor))
        context = page_context(reference, confirmation=done)
        if succeeded:
            succeeded(context)
        return _render(fragment, context, oob=also)
    context = page_context(reference)  # nothing of the refused action was kept
    failed(context)
    return _render(fragment, context, status=422)


def _render(fragment: str, context: dict, *, status: int = 200, oob: tuple[str, ...] = ()):
    if not wants_fragment():
        return render_template(PAGE, **context), status
    body = render_template(fragment, **context)
    body += "".join(render_template(name, oob=True, **context) for name in oob)
    return body, status
