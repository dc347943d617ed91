"""The customer timeline drawn in Python: the escalation page shows every customer-visible
update on each request, and as a Jinja loop each one cost a dozen filter calls and attribute
lookups. The markup is exactly what `customer/_timeline.html` and its loop drew
(tests/customer/test_timeline_entries.py). Times are the viewer's (`templating`), taken with
the viewer's zone and the instant read once for the whole list; the body is sanitized
Markdown (`portal.markdown`), fenced by the list's hx-disable.

What people wrote (names, bodies) is escaped; times, ids and kinds are not, since they are
made of digits, ASCII letters, spaces and ",.:+-_·" only (ISO instants, strftime of fixed
formats, enum values, "3 h ago").
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.clock import now
from portal.markdown import render_markdown
from portal.templating import in_zone, relative, viewer_zone

SHORT = "%a %d %b, %H:%M"
LONG = "%a %d %b %Y, %H:%M %Z"  # `localtime`'s default
# Kinds the timeline names with a chip (a note or a customer's comment needs none).
UNNAMED_KINDS = ("note", "customer_comment")
_OUT_OF_BAND = ' hx-swap-oob="true"'


def timeline_section(updates, next_update=None, oob=False) -> Markup:
    """The whole timeline (`customer/_timeline.html`): its entries, or while there are none
    when the first update is due (`next_update`: the clocks' `NextUpdate`, or None); `oob`
    when it rides along out of band after an action."""
    head = f'<div id="timeline"{_OUT_OF_BAND if oob else ""}>'
    if updates:
        return Markup(f'{head}\n  <ol class="timeline" hx-disable>{timeline_entries(updates)}'
                      '\n  </ol>\n</div>')
    due = ""
    if next_update:
        due_at = next_update.due_at
        due = (f" The first one is due {in_zone(due_at, viewer_zone(), SHORT)} "
               f"({relative(due_at)}).")
    return Markup(f'{head}\n  <p class="muted">No updates yet.{due}</p>\n</div>')


def timeline_entries(updates) -> Markup:
    """Every `<li>` of the timeline, as the template's loop joined them."""
    zone, at = viewer_zone(), now()
    return Markup("".join(["\n    " + _entry(update, zone, at) for update in updates]))


def timeline_entry(update) -> Markup:
    """One `<li>` of the timeline: an `Update` (or a `customer_page.TimelineEntry`)."""
    return Markup(_entry(update, viewer_zone(), now()))


def _entry(update, zone, at) -> str:
    author_person = update.author
    from_customer = author_person is not None and author_person.organization_id is not None
    name = author_person.name if author_person else "Clearpath"
    author = escape(name)
    kind = update.kind.value
    retracted, edited, created = update.retracted_at, update.edited_at, update.created_at
    changed = escape(f"An update from {name}"
                     + (" was retracted." if retracted else " was corrected."))
    parts = [
        f'<li class="timeline-item kind-{kind}" id="update-{update.id}"\n'
        f'        data-version="{(retracted or edited or created).isoformat()}"\n'
        f'        data-live-new="New on the timeline, from {author}."\n'
        f'        data-live-changed="{changed}">\n'
        f'      <div class="timeline-head">\n'
        f'        <span class="timeline-author">{author}</span>'
    ]
    if from_customer:
        parts.append('<span class="badge badge-neutral">Your team</span>')
    if kind not in UNNAMED_KINDS:
        parts.append(f'<span class="badge badge-neutral">'
                     f'{kind.replace("_", " ").capitalize()}</span>')
    parts.append(f'\n        <time class="timeline-meta" datetime="{created.isoformat()}" '
                 f'title="{in_zone(created, zone, LONG)}">{in_zone(created, zone, SHORT)} · '
                 f'{relative(created, at)}</time>')
    if edited and not retracted:
        parts.append('\n        <span class="timeline-meta"><span class="visually-hidden">This '
                     f'update was edited: </span>Corrected <time datetime="{edited.isoformat()}">'
                     f'{in_zone(edited, zone, SHORT)}</time></span>')
    parts.append("\n      </div>")
    if retracted:
        parts.append('\n      <p class="timeline-body timeline-retracted">This update was '
                     f'retracted <time datetime="{retracted.isoformat()}">'
                     f'{in_zone(retracted, zone, SHORT)}</time>.</p>')
    else:
        parts.append(f'\n      <div class="timeline-body prose">{render_markdown(update.body)}'
                     '</div>')
    next_update_by = update.next_update_by
    if next_update_by and not retracted:
        parts.append('\n      <p class="timeline-next">Next update by <time datetime='
                     f'"{next_update_by.isoformat()}">{in_zone(next_update_by, zone, LONG)}'
                     '</time></p>')
    parts.append("\n    </li>")
    return "".join(parts)
