"""The customer's remediation plan and milestones drawn in Python: the escalation page shows
every one of them on each request (and each poll of its live region), and as Jinja includes a
step cost some three hundred calls. The markup is exactly what `customer/_step.html`,
`customer/_plan.html` (steps, progress, exit criteria) and `customer/_milestones.html` drew
(their templates kept in tests/fixtures; parity in tests/customer/test_plan_markup.py). Times
are the viewer's (`templating`); like ids and states they need no escaping (digits, ASCII
letters, spaces and ",.:+-_" only), what people wrote does.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.chrome import link_to
from portal.clock import now
from portal.customer.page_forms import csrf_field, form_errors, form_field
from portal.templating import in_zone, relative, viewer_zone

SHORT = "%a %d %b, %H:%M"
_STEP_STATES = {
    "done": '<span class="sla sla-met"><span class="sla-state">Done</span></span>',
    "blocked": '<span class="sla sla-missed"><span class="sla-state">Blocked</span></span>',
    "in_progress": '<span class="badge badge-status badge-status-investigating">'
                   'In progress</span>',
}
_PLANNED = '<span class="badge badge-neutral">Planned</span>'
_MILESTONE_STATES = {
    "done": '<span class="sla sla-met"><span class="sla-state">Done</span></span>',
    "late": '<span class="sla sla-breached"><span class="sla-state">Late</span></span>',
}
_UPCOMING = '<span class="badge badge-neutral">Upcoming</span>'
_OUT_OF_BAND = ' hx-swap-oob="true"'
_MILESTONES_HEAD = (
    '\n  <table class="table table-compact">\n'
    '    <caption class="visually-hidden">Milestones by due date: done, upcoming or late'
    '</caption>\n    <thead>\n      <tr><th scope="col">Milestone</th><th scope="col">State'
    '</th><th scope="col">When</th></tr>\n    </thead>\n    <tbody>')
_NOT_MET = '\n          <span class="badge badge-neutral">Not met yet</span>'


def plan_section(escalation, steps, step_forms, criteria, *, steps_done: int,
                 criteria_met: int, confirmation=None, preserve_forms=False) -> Markup:
    """The remediation plan (`customer/_plan.html`): its steps in order with how many are
    done, then the exit criteria, met or not (`step_forms`: {step id: its completion form}
    for the customer's open steps)."""
    parts = ['<section id="plan" class="card" aria-labelledby="plan-heading">\n'
             '  <div class="card-header"><h2 id="plan-heading">Remediation plan</h2>'
             f'{plan_progress(steps, steps_done)}</div>']
    if steps:
        reference = escalation.reference
        parts.append('\n  <ol class="plan-steps stack">')
        parts.extend("\n    " + plan_step(step, step_forms.get(step.id), reference,
                                            confirmation, preserve_forms) for step in steps)
        parts.append("\n  </ol>")
    else:
        parts.append('\n  <p class="muted">The plan will appear here once it is agreed with you.'
                     '</p>')
    parts.append('\n\n  <h3 id="exit-heading" class="plan-exit-heading">Back to normal when'
                 '</h3>')
    if criteria:
        zone = viewer_zone()
        met = f"{criteria_met} of {len(criteria)} met"
        parts.append(
            '\n  <table class="table table-compact">\n'
            f'    <caption class="visually-hidden">Exit criteria: {met}</caption>\n'
            '    <thead><tr><th scope="col">Criterion</th><th scope="col">Met?</th></tr></thead>'
            '\n    <tbody>')
        for criterion in criteria:
            met_at = criterion.met_at
            state = (f'\n          <span class="sla sla-met"><span class="sla-state">Met</span>'
                     f'<span class="sla-detail">{in_zone(met_at, zone, "%d %b, %H:%M")}</span>'
                     '</span>' if met_at else _NOT_MET)
            parts.append(
                f'\n      <tr>\n        <td data-label="Criterion">'
                f'{escape(criterion.description)}</td>\n        <td data-label="Met?">{state}'
                '\n        </td>\n      </tr>')
        parts.append(f'\n    </tbody>\n  </table>\n  <p class="small muted">{met}</p>')
    else:
        parts.append('\n  <p class="muted">The exit criteria will appear here once they are '
                     'agreed.</p>')
    parts.append("\n</section>")
    return Markup("".join(parts))


def plan_progress(steps, steps_done: int, oob=False) -> Markup:
    """"2 of 5 steps done" (`customer/_plan_progress.html`), nothing without steps; `oob` when
    it rides along out of band after a step is marked done."""
    if not steps:
        return Markup("")
    return Markup(f'<span id="plan-progress" class="small muted"{_OUT_OF_BAND if oob else ""}>'
                  f'{steps_done} of {len(steps)} steps done</span>')


def milestones_section(milestones) -> Markup:
    """The milestones card (`customer/_milestones.html`): a row each, by due date."""
    head = ('<section id="milestones" class="card" aria-labelledby="milestones-heading">\n'
            '  <h2 id="milestones-heading" class="card-title">Milestones</h2>')
    if not milestones:
        return Markup(f'{head}\n  <p class="muted">No milestones yet.</p>\n</section>')
    zone, at = viewer_zone(), now()
    rows = "".join([_milestone_row(milestone, zone, at) for milestone in milestones])
    return Markup(f"{head}{_MILESTONES_HEAD}{rows}\n    </tbody>\n  </table>\n</section>")


def plan_step(step, form, reference: str, confirmation=None, preserve_forms=False) -> Markup:
    """One `<li>` of the plan: a `RemediationStep` (or a `customer_page.PlanStep`), with the
    customer's completion form when `form` is one (a `StepCompletionForm` or a
    `page_forms.Blank` of one; None: not theirs, or done)."""
    ours = step.owner_party.value == "customer"
    status = step.status.value
    title = escape(step.title)
    zone = viewer_zone()
    parts = [
        f'<li id="step-{step.id}" class="plan-step'
        f'{" plan-step-customer" if ours else ""}"\n'
        f'    data-version="{status} {title}"\n'
        f'    data-live-new="New remediation step: {title}."\n'
        f'    data-live-changed="Remediation step {title}: '
        f'{step.status.label.lower()}.">\n'
        f'  <div class="plan-step-head cluster">\n'
        f'    <strong class="plan-step-title">{title}</strong>\n'
        f'    {_STEP_STATES.get(status, _PLANNED)}',
    ]
    if ours:
        parts.append('<span class="badge vis-customer">Your action</span>')
    if ours:
        owner = "<strong>Your team</strong>"
    elif step.owner:
        owner = escape(step.owner.name)
    else:
        owner = "Our engineering team"
    due_at = step.due_at
    if due_at:
        due = f'<time datetime="{due_at.isoformat()}">{in_zone(due_at, zone, SHORT)}</time>'
        if status != "done":
            due += f' <span class="small muted">({relative(due_at)})</span>'
    else:
        due = '<span class="muted">No date set</span>'
    parts.append(
        '\n  </div>\n  <dl class="meta plan-step-meta">\n    <div>\n      <dt>Owner</dt>\n'
        f'      <dd>{owner}</dd>\n    </div>\n    <div>\n      <dt>Due</dt>\n'
        f'      <dd>{due}</dd>\n    </div>')
    if step.validation_test:
        parts.append(f'\n    <div><dt>How we check it</dt><dd>{escape(step.validation_test)}'
                     '</dd></div>')
    if step.success_metric:
        parts.append(f'\n    <div><dt>Success metric</dt><dd>{escape(step.success_metric)}'
                     '</dd></div>')
    parts.append("\n  </dl>")
    if status == "done" and step.completed_at:
        completed_at = step.completed_at
        parts.append(
            '\n  <p class="small plan-step-done">Done '
            f'<time datetime="{completed_at.isoformat()}">'
            f'{in_zone(completed_at, zone, SHORT)}</time>')
        if step.completed_by:
            parts.append(f" by {escape(step.completed_by.name)}")
        if step.completion_note:
            parts.append(f": {escape(step.completion_note)}")
        parts.append("</p>")
    if confirmation:
        parts.append(f'\n  <div class="flash flash-success" role="status"><p>{escape(confirmation)}'
                     '</p></div>')
    if form is not None:
        if status == "done":
            parts.append(f"\n  {form_errors(form)}")
        else:
            parts.append(_completion_form(step, form, reference, title, preserve_forms))
    parts.append("\n</li>")
    return Markup("".join(parts))


def _completion_form(step, form, reference: str, title: Markup, preserve_forms) -> str:
    url = escape(link_to("customer.complete_step", reference=reference, step_id=str(step.id)))
    step_id = step.id
    help = (f"We will check it: {step.validation_test}" if step.validation_test
            else "Tell us what you did, so we can check it.")
    return (
        f'\n  <details id="step-{step_id}-form" class="plan-step-form"'
        f'{" open" if form.errors else ""}{" hx-preserve" if preserve_forms else ""}>\n'
        f'    <summary class="btn btn-secondary btn-sm">I have done this<span '
        f'class="visually-hidden">: {title}</span></summary>\n'
        f'    <form method="post" action="{url}" hx-post="{url}" hx-target="#step-{step_id}" '
        f'hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" novalidate>\n'
        f'      {csrf_field(form)}\n'
        f'      {form_errors(form)}\n'
        f'      {form_field(form, "note", help=help)}\n'
        f'      <button type="submit" class="btn btn-primary">Mark done<span '
        f'class="visually-hidden">: {title}</span></button>\n'
        f'    </form>\n  </details>')


def milestone_row(milestone) -> Markup:
    """One `<tr>` of the milestones table: a `Milestone` (or a `customer_page.PlanMilestone`)."""
    return Markup(_milestone_row(milestone, viewer_zone(), now()))


def _milestone_row(milestone, zone, at) -> str:
    state = milestone.state(at)
    title = escape(milestone.title)
    due_at = milestone.due_at
    due_iso = due_at.isoformat()
    if state == "done":
        changed = "done"
    elif state == "late":
        changed = "late"
    else:
        changed = "due " + in_zone(due_at, zone, SHORT)
    if state == "done":
        completed_at = milestone.completed_at
        when = (f'\n          done <time datetime="{completed_at.isoformat()}">'
                f'{in_zone(completed_at, zone, SHORT)}</time>')
    else:
        when = (f'\n          due <time datetime="{due_iso}">{in_zone(due_at, zone, SHORT)}'
                f'</time>\n          <div class="small muted">{relative(due_at, at)}</div>')
    return (
        f'\n      <tr id="milestone-{milestone.id}" data-version="{state} '
        f'{due_iso} {title}"\n'
        f'          data-live-new="New milestone: {title}."\n'
        f'          data-live-changed="Milestone {title}: {changed}.">\n'
        f'        <td data-label="Milestone"><strong>{title}</strong></td>\n'
        f'        <td data-label="State">\n'
        f'          {_MILESTONE_STATES.get(state, _UPCOMING)}\n'
        f'        </td>\n'
        f'        <td data-label="When">\n'
        f'          <div>{when}\n'
        f'          </div>\n'
        f'        </td>\n'
        f'      </tr>')
