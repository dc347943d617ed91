"""The notification settings page drawn in Python: its two sections (the preference form with
the muted escalations, and the feed links), the page's content, and the page shell around it.

A GET drew the page through three templates and `base.html` (some 950 function calls) and
built a WTForms form to show one chosen radio (some 140). What it shows depends on little: the
preference field on the chosen value alone (drawn once per value by the macros and
remembered), the sections on the person's rows, and the shell (`base.html`: head, top bar,
navigation, user menu) on the script root and who is signed in: it is remembered by
portal.page_shell, with the request's CSP nonce and CSRF token put back. A refused form is
rendered by Jinja as before (its errors are the macros').

The markup is byte for byte the templates' (kept in tests/fixtures; tests/customer/
test_notification_markup.py, tests/test_choice_markup.py, tests/customer/
test_feed_links_markup.py). The fragment templates call these functions, so an htmx swap and
the page draw the same sections.
"""

from __future__ import annotations

from functools import lru_cache

from flask import render_template, request
from markupsafe import Markup, escape

from portal import choice_markup, form_markup, page_shell
from portal.chrome import link_to
from portal.csrf_tokens import generate_csrf
from portal.customer.forms import NotificationPreferenceForm
from portal.templating import breakable, localtime

PAGE = "customer/notifications.html"
PREFERENCE_HELP = "Your own comments and questions never come back to you by email."
_FLASH = '\n    <div class="flash flash-success" role="status"><p>'
_SETTINGS_FORM = (
    '\n    <form method="post" action="{url}" hx-post="{url}" '
    'hx-target="#notification-settings" hx-swap="outerHTML" '
    'hx-disabled-elt="find button[type=submit]" novalidate>\n      ')
_TOKEN = "\x00csrf\x00"  # stands for the request's CSRF token in a remembered section


# ------------------------------------------------------------------------ the preference form
def settings_section(form, *, preference=None, confirmation=None, muted=(),
                     organization: str = "") -> Markup:
    """`customer/_notification_settings.html`: the preference form and the escalations the
    person stopped emails for. `form` is the WTForms form (one sent: its data and errors), or
    None for the page's blank form with `preference` (a NotificationPreference value) chosen."""
    if form is None and not confirmation:  # the page's blank form: all but its token remembered
        before, after = _blank_form(request.script_root, preference)
        parts = [before, str(escape(generate_csrf())), after]
    else:
        parts = _drawn_form(form, preference, confirmation)
    parts.append(_muted_list(muted) if muted else _nothing_muted(organization))
    return Markup("".join(parts))


def _muted_list(muted) -> str:
    """The section's end: the escalations the person stopped emails for."""
    parts = ['\n    <ul class="stack">']
    for escalation in muted:
        reference = escape(escalation.reference)
        href = escape(link_to("customer.escalation", reference=escalation.reference))
        parts.append(f'\n      <li><a href="{href}#subscription"><span class="ref">'
                     f'{reference}</span> {escape(escalation.title)}</a></li>')
    parts.append('\n    </ul>\n    <p class="small muted">Open one to get its emails '
                 'again.</p>\n  </section>\n</div>')
    return "".join(parts)


def _nothing_muted(organization: str) -> str:
    """The section's end when the person stopped emails for no escalation."""
    return ('\n    <p class="muted">None: you get updates for every escalation of '
            f'{escape(organization)}.</p>\n  </section>\n</div>')


def _drawn_form(form, preference, confirmation) -> list[str]:
    """The section's first card down to the second's heading: `form` (None: blank with
    `preference` chosen) with this request's token, and the confirmation after a save."""
    if form is None:
        form = NotificationPreferenceForm(formdata=None, preference=preference)
    field = choice_markup.chosen_field(form.preference, help=PREFERENCE_HELP)
    parts = ['<div id="notification-settings" class="stack-lg">\n'
             '  <section class="card" aria-labelledby="preference-heading">\n'
             '    <h2 id="preference-heading" class="card-title">Escalation updates</h2>']
    if confirmation:
        parts.append(f"{_FLASH}{escape(confirmation)}</p></div>")
    parts.append(_SETTINGS_FORM.format(url=escape(link_to("customer.notification_settings"))))
    parts.append(f"{form_markup.csrf_field(form)}\n      {form_markup.form_errors(form)}"
                 f"\n      {field}")
    parts.append(f'\n      {form_markup.submit_button("Save")}\n    </form>\n  </section>\n'
                 '  <section class="card" aria-labelledby="muted-heading">\n'
                 '    <h2 id="muted-heading" class="card-title">Escalations you stopped emails '
                 'for</h2>')
    return parts


@lru_cache(maxsize=64)
def _blank_form(script_root: str, preference) -> tuple[str, str]:
    """`_drawn_form` of the blank form with `preference` chosen, split around its CSRF token:
    drawn once per script root and value (the form built for that alone)."""
    form = NotificationPreferenceForm(formdata=None, preference=preference)
    token = str(escape(form.csrf_token.current_token))
    drawn = "".join(_drawn_form(form, preference, None))
    before, marker, after = drawn.partition(f'type="hidden" value="{token}">')
    if not marker or token in after:
        raise RuntimeError("the blank form's CSRF field was not found once")
    return before + 'type="hidden" value="', '">' + after


# --------------------------------------------------------------------------------- feed links
def feed_links_section(feeds, *, feed_form=None, feed_confirmation=None,
                       organization: str = "") -> Markup:
    """`customer/_feed_links.html`: the person's feed links (`feeds`: FeedLinks, or None
    before they made any), or the button that makes them."""
    if feeds is None and not feed_confirmation and not feed_form:  # remembered but the token
        before, after = _no_feed_links(request.script_root)
        return Markup(f"{before}{escape(generate_csrf())}{after}")
    return _drawn_feed_links(feeds, feed_form, feed_confirmation, organization,
                             escape(generate_csrf()))


def _drawn_feed_links(feeds, feed_form, feed_confirmation, organization: str,
                      token: str) -> Markup:
    parts = ['<section id="feed-links" class="card" aria-labelledby="feed-links-heading">\n'
             '  <h2 id="feed-links-heading" class="card-title">Feeds</h2>']
    if feed_confirmation:
        parts.append('\n  <div class="flash flash-success" role="status"><p>'
                     f'{escape(feed_confirmation)}</p></div>')
    parts.append(f'\n  {form_markup.form_errors(feed_form) if feed_form else ""}\n'
                 "  <p>Follow your organization's escalations in a feed reader, and put "
                 "milestones and promised update times in your calendar. The links are private "
                 "to you: anyone who has one can read the feed, without signing in.</p>")
    if feeds is None:
        create = escape(link_to("customer.create_feed_links"))
        parts.append(
            f'\n  <form method="post" action="{create}" hx-post="{create}" '
            'hx-target="#feed-links" hx-swap="outerHTML" '
            'hx-disabled-elt="find button[type=submit]">\n'
            f'    <input type="hidden" name="csrf_token" value="{token}">\n'
            f'    {form_markup.submit_button("Create feed links")}\n  </form>')
    else:
        if feeds.urls:
            updates = _copyable(
                "feed-updates", "Updates (Atom feed)", feeds.urls["updates"],
                f"The newest 50 updates on every escalation of {organization}. Paste it into "
                "your feed reader.")
            calendar = _copyable(
                "feed-calendar", "Calendar (iCalendar)", feeds.urls["calendar"],
                "Milestones and the times we promised the next update, for open escalations. "
                "Subscribe to it from your calendar (“From URL” or “Subscribe to calendar”).")
            parts.append(f'\n  <div class="stack">\n    {updates}\n    {calendar}\n  </div>\n'
                         '  <span class="muted small" data-copied role="status"></span>')
            if feeds.escalations:
                parts.append('\n  <details class="feed-escalations">\n    <summary>One '
                             f'escalation only ({len(feeds.escalations)} open)</summary>\n'
                             '    <ul class="stack">')
                parts.extend(
                    f'\n      <li><a href="{escape(item.url)}" type="application/atom+xml">'
                    f'<span class="ref">{escape(item.reference)}</span> '
                    f'{escape(item.title)}</a></li>' for item in feeds.escalations)
                parts.append("\n    </ul>\n  </details>")
        elif feeds.hidden:
            parts.append('\n  <p class="muted">Feed links exist (they begin '
                         f"<code>{escape(feeds.prefix)}</code>); only their owner sees them.</p>")
        else:
            parts.append("\n  <p class=\"muted\">These links can no longer be shown (the "
                         "portal's key changed). Reset them to get new ones.</p>")
        used = (f"; last read {escape(localtime(feeds.last_used_at))}" if feeds.last_used_at
                else "; not read yet")
        reset = escape(link_to("customer.reset_feed_links"))
        parts.append(
            f'\n  <p class="small muted">Made {escape(localtime(feeds.created_at))}{used}.</p>'
            f'\n  <form method="post" action="{reset}" hx-post="{reset}" '
            'hx-target="#feed-links" hx-swap="outerHTML" '
            'hx-disabled-elt="find button[type=submit]" hx-confirm="Reset your feed links? '
            'Every reader and calendar using the old links stops updating.">\n'
            f'    <input type="hidden" name="csrf_token" value="{token}">\n'
            '    <p class="field-help">Shared a link by mistake? Resetting stops every old '
            'link at once and makes new ones.</p>\n'
            f'    {form_markup.submit_button("Reset feed links", "btn btn-secondary")}\n'
            "  </form>")
    parts.append("\n</section>")
    return Markup("".join(parts))


@lru_cache(maxsize=64)
def _no_feed_links(script_root: str) -> tuple[str, str]:
    """The section before any feed links (its "Create feed links" form) split around its CSRF
    token: the same for everyone under a script root."""
    before, marker, after = str(_drawn_feed_links(None, None, None, "", _TOKEN)).partition(_TOKEN)
    if not marker or _TOKEN in after:
        raise RuntimeError("the section's CSRF field was not found once")
    return before, after


def _copyable(id: str, label: str, url: str, help: str) -> str:
    """The fragment's `copyable` macro: a read-only link and its copy button."""
    return (f'<div class="field feed-link">\n  <label for="{id}">{label}</label>\n'
            f'  <p class="field-help" id="{id}-help">{escape(help)}</p>\n'
            f'  <div class="feed-link-row">\n    <input id="{id}" type="url" '
            f'value="{escape(url)}" readonly spellcheck="false" aria-describedby="{id}-help">\n'
            f'    <button type="button" class="btn btn-secondary" data-copy-from="{id}" hidden>'
            'Copy</button>\n  </div>\n</div>')


# ----------------------------------------------------------------------------------- the page
def blank_content(user, *, preference, organization: str) -> Markup:
    """`page_content` of the page most people see: the blank form with `preference` chosen,
    nothing muted, no feed links. The same for a person on every request but for the CSRF
    token (in both forms): remembered per script root, email address, preference and
    organization, the request's token put in."""
    drawn = _blank_content(request.script_root, user.email, preference, organization)
    return Markup(drawn.replace(_TOKEN, escape(generate_csrf())))


@lru_cache(maxsize=1024)
def _blank_content(script_root: str, email: str | None, preference, organization: str) -> str:
    settings_before, settings_after = _blank_form(script_root, preference)
    feeds_before, feeds_after = _no_feed_links(script_root)
    return (f"{_page_head(script_root, email)}{settings_before}{_TOKEN}{settings_after}"
            f"{_nothing_muted(organization)}\n  {feeds_before}{_TOKEN}{feeds_after}\n</div>\n")


def page_content(user, settings: Markup, feed_links: Markup) -> Markup:
    """`customer/notifications.html`'s content block around the two sections."""
    return Markup(f"{_page_head(request.script_root, user.email)}{settings}\n  {feed_links}"
                  "\n</div>\n")


@lru_cache(maxsize=1024)
def _page_head(script_root: str, email: str | None) -> str:
    """The content above the sections (breadcrumb and header): the same for a person on every
    request, remembered per script root and email address."""
    return ('\n<div class="container container-narrow">\n  <nav aria-label="Breadcrumb">'
            f'<ol class="breadcrumbs"><li><a href="{escape(link_to("customer.home"))}">Open '
            'escalations</a></li><li aria-current="page">Notification settings</li></ol></nav>\n'
            '  <header class="page-header">\n    <div>\n      <h1>Notification settings</h1>\n'
            "      <p class=\"subtitle\">How you hear about your organization's escalations. "
            f"Emails go to {breakable(email)}.</p>\n    </div>\n  </header>\n  ")


def page(user, content: Markup) -> str:
    """The whole page: `content` in the shell remembered for this person (portal.page_shell),
    or rendered by Jinja for staff (who see this page only in a preview)."""
    if user.is_staff:
        return render_template(PAGE, content=content)
    return page_shell.page(PAGE, content, user)
