"""The escalation page's own forms drawn in Python: the comment form, the request for the next
level and the email subscription (a remediation step's completion form is `plan_markup`'s, with
the helpers below).

The page shows these forms blank on every request and on every poll of its live region, and a
WTForms form built for that cost more than drawing the whole form. So a form nobody has filled
in is a `Blank`: its fields are drawn once per form class (and prefix, and help text) by the
macros, from a form built for that alone, and remembered; its CSRF field carries this request's
token (`csrf_tokens.generate_csrf`, the token a form built now would carry). A form someone
sent (refused: what they typed and its errors) is the WTForms form itself, drawn by the macros
each time (`form_markup`). The markup is byte for byte what `customer/_comment_form.html`,
`customer/_escalation_request.html` and `customer/_subscription.html` drew (kept in
tests/fixtures; tests/customer/test_page_forms.py).

Times are the viewer's (`templating`); like URLs built from a reference they need no escaping,
what people wrote does.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

from markupsafe import Markup, escape

from portal import form_markup
from portal.chrome import link_to
from portal.csrf_tokens import generate_csrf
from portal.templating import iso, localtime

SHORT = "%a %d %b, %H:%M"
# Right after an action (htmx), the new state is the confirmation: a status message.
_CONFIRMED = ' class="flash flash-success" role="status"'


class Blank:
    """A page form nobody has filled in yet (`form_class` built with `args`): no data, no
    errors, drawn from its class's remembered fields."""

    __slots__ = ("form_class", "args")
    errors = MappingProxyType({})

    def __init__(self, form_class, *args):
        self.form_class, self.args = form_class, args

    def __repr__(self) -> str:
        return f"Blank({self.form_class.__name__}{''.join(f', {a!r}' for a in self.args)})"


# --------------------------------------------------------------------------- form pieces
def csrf_field(form) -> Markup:
    """`{{ form.csrf_token }}`: the hidden field with this request's token."""
    if not isinstance(form, Blank):
        return form_markup.csrf_field(form)
    csrf_id, csrf_name = _blank_names(form.form_class, form.args)[0]
    return Markup(f'<input id="{csrf_id}" name="{csrf_name}" type="hidden" '
                  f'value="{escape(generate_csrf())}">')


def form_errors(form) -> Markup:
    """`forms.form_errors(form)`: nothing at all for a form without errors."""
    return Markup("") if isinstance(form, Blank) else form_markup.form_errors(form)


def form_field(form, name: str, help=None) -> Markup:
    """`forms.field(form[name], help=help)`."""
    if isinstance(form, Blank):
        return _blank_field(form.form_class, form.args, name, help)
    return form_markup.form_field(getattr(form, name), help=help)


def field_name(form, name: str) -> str:
    """The name the field `name` of `form` is posted under (its prefix included)."""
    if isinstance(form, Blank):
        return _blank_names(form.form_class, form.args)[1][name]
    return getattr(form, name).name


@lru_cache(maxsize=1024)
def _blank_names(form_class, args: tuple) -> tuple[tuple[Markup, Markup], dict[str, str]]:
    form = form_class(*args, formdata=None)
    token = form.csrf_token
    return (escape(token.id), escape(token.name)), {field.short_name: field.name
                                                    for field in form}


@lru_cache(maxsize=1024)
def _blank_field(form_class, args: tuple, name: str, help) -> Markup:
    return form_markup.form_field(getattr(form_class(*args, formdata=None), name), help=help)


# --------------------------------------------------------------------------- the forms
def drawn_comment_form(reference: str, form, confirmation=None, preserve_forms=False) -> Markup:
    """The comment form above the timeline (`customer/_comment_form.html`)."""
    url = escape(link_to("customer.comment", reference=reference))
    flash = (f'\n  <div class="flash flash-success" role="status"><p>{escape(confirmation)}</p>'
             '</div>' if confirmation else "")
    return Markup(
        f'<div id="comment-form" class="comment-form"{" hx-preserve" if preserve_forms else ""}>'
        f'{flash}\n  <form method="post" action="{url}"\n        hx-post="{url}"\n'
        '        hx-target="#comment-form" hx-swap="outerHTML" '
        'hx-disabled-elt="find button[type=submit]" novalidate>\n'
        f'    {csrf_field(form)}\n    {form_errors(form)}\n    {form_field(form, "body")}\n'
        '    <div class="cluster">\n'
        f'      {form_markup.submit_button("Post comment")}\n'
        '      <span class="small muted htmx-indicator" aria-hidden="true">Posting…</span>\n'
        '    </div>\n  </form>\n</div>')


def drawn_escalation_request(escalation, form, *, open_request, next_tier, contact,
                             confirmation=None, preserve_forms=False) -> Markup:
    """The request for the next level (`customer/_escalation_request.html`): the viewer's open
    request, the highest level already, or the form."""
    parts = [
        '<section id="escalation-request" class="card" '
        'aria-labelledby="escalation-request-heading"'
        f'{" hx-preserve" if preserve_forms else ""}>\n'
        '  <h2 id="escalation-request-heading" class="card-title">Escalate to the next level'
        '</h2>']
    if open_request and not form.errors:
        created_at = open_request.created_at
        parts.append(
            f'\n  <div{_CONFIRMED if confirmation else ""}>'
            '\n    <p>You asked for escalation on '
            f'<time datetime="{escape(iso(created_at))}">{escape(localtime(created_at, SHORT))}'
            '</time>. The escalation managers and the owner have it; they will answer on the '
            'timeline.</p>\n  </div>\n'
            f'  <p class="small muted">Your reason: {escape(open_request.reason)}</p>')
    elif next_tier is None and not form.errors:
        whom = escape(contact.name) if contact else "your account manager"
        parts.append(
            '\n  <p>This escalation is already with our management team, the highest level. '
            f'For anything urgent, contact {whom} directly.</p>')
    else:
        ask = (f" If this is not moving fast enough, ask for {escape(next_tier.value)}: the "
               "escalation managers decide, and say so on the timeline." if next_tier else "")
        url = escape(link_to("customer.request_escalation", reference=escalation.reference))
        parts.append(
            f'\n  <p class="small muted">Now at {escape(escalation.tier.value)}.{ask}</p>\n'
            f'  <form method="post" action="{url}" hx-post="{url}" '
            'hx-target="#escalation-request" hx-swap="outerHTML" '
            'hx-disabled-elt="find button[type=submit]" novalidate>\n'
            f'    {csrf_field(form)}\n    {form_errors(form)}\n'
            f'    {form_field(form, "reason")}\n'
            f'    {form_markup.submit_button("Request escalation", cls="btn btn-secondary")}\n'
            '  </form>')
    parts.append("\n</section>")
    return Markup("".join(parts))


def drawn_subscription(reference: str, subscribed, form, *, preference, confirmation=None,
                       preserve_forms=False) -> Markup:
    """Whether the viewer gets emails about this escalation, and the button that turns them
    on or off (`customer/_subscription.html`); `preference`: the viewer's notification
    preference (a daily digest is said so)."""
    shown = escape(reference)
    if subscribed and getattr(preference, "value", None) == "daily_digest":
        state = f"Updates on {shown} come in your daily digest email."
    elif subscribed:
        state = f"You get an email for each update on {shown}."
    else:
        state = f"You do not get emails about {shown}. Updates still appear here."
    url = escape(link_to("customer.subscription", reference=reference))
    button = form_markup.submit_button(
        "Stop emails about this escalation" if subscribed else "Email me about updates",
        cls="btn btn-secondary btn-block")
    return Markup(
        '<section id="subscription" class="card" aria-labelledby="subscription-heading"'
        f'{" hx-preserve" if preserve_forms else ""}>\n'
        '  <h2 id="subscription-heading" class="card-title">Email updates</h2>\n'
        f'  {form_errors(form)}\n'
        f'  <div{_CONFIRMED if confirmation else ""}><p>'
        f'\n    {state}\n  </p></div>\n'
        f'  <form method="post" action="{url}" hx-post="{url}" hx-target="#subscription" '
        'hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]">\n'
        f'    {csrf_field(form)}\n'
        f'    <input type="hidden" name="{escape(field_name(form, "subscribed"))}" '
        f'value="{"no" if subscribed else "yes"}">\n'
        f'    {button}\n  </form>\n'
        '  <p class="small muted">How often: <a href="'
        f'{escape(link_to("customer.notification_settings"))}">notification settings</a>.</p>\n'
        '</section>')
