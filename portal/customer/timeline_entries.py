"""The customer timeline's entries drawn in Python: the escalation page shows every
customer-visible update on each request, and as a Jinja loop each one cost a dozen filter
calls and attribute lookups. The markup is exactly what the loop in `customer/_timeline.html`
drew (tests/customer/test_timeline_entries.py). Times are the viewer's (`templating`), the
body is sanitized Markdown (`portal.markdown`), fenced by the list's hx-disable.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.markdown import render_markdown
from portal.templating import iso, localtime, relative

SHORT = "%a %d %b, %H:%M"
# Kinds the timeline names with a chip (a note or a customer's comment needs none).
UNNAMED_KINDS = ("note", "customer_comment")


def timeline_entry(update) -> Markup:
    """One `<li>` of the timeline: an `Update` (or a `customer_page.TimelineEntry`)."""
    author_person = update.author
    from_customer = author_person is not None and author_person.organization_id is not None
    author = escape(author_person.name if author_person else "Clearpath")
    kind = update.kind.value
    retracted, edited, created = update.retracted_at, update.edited_at, update.created_at
    changed = escape("An update from " + str(author_person.name if author_person else "Clearpath")
                     + (" was retracted." if retracted else " was corrected."))
    parts = [
        f'<li class="timeline-item kind-{escape(kind)}" id="update-{escape(update.id)}"\n'
        f'        data-version="{escape(iso(retracted or edited or created))}"\n'
        f'        data-live-new="New on the timeline, from {author}."\n'
        f'        data-live-changed="{changed}">\n'
        f'      <div class="timeline-head">\n'
        f'        <span class="timeline-author">{author}</span>'
    ]
    if from_customer:
        parts.append('<span class="badge badge-neutral">Your team</span>')
    if kind not in UNNAMED_KINDS:
        parts.append(f'<span class="badge badge-neutral">'
                     f'{escape(kind.replace("_", " ").capitalize())}</span>')
    parts.append(f'\n        <time class="timeline-meta" datetime="{escape(iso(created))}" '
                 f'title="{escape(localtime(created))}">{escape(localtime(created, SHORT))} · '
                 f'{escape(relative(created))}</time>')
    if edited and not retracted:
        parts.append('\n        <span class="timeline-meta"><span class="visually-hidden">This '
                     f'update was edited: </span>Corrected <time datetime="{escape(iso(edited))}">'
                     f'{escape(localtime(edited, SHORT))}</time></span>')
    parts.append("\n      </div>")
    if retracted:
        parts.append('\n      <p class="timeline-body timeline-retracted">This update was '
                     f'retracted <time datetime="{escape(iso(retracted))}">'
                     f'{escape(localtime(retracted, SHORT))}</time>.</p>')
    else:
        parts.append(f'\n      <div class="timeline-body prose">{render_markdown(update.body)}'
                     '</div>')
    if update.next_update_by and not retracted:
        parts.append('\n      <p class="timeline-next">Next update by <time datetime='
                     f'"{escape(iso(update.next_update_by))}">'
                     f'{escape(localtime(update.next_update_by))}</time></p>')
    parts.append("\n    </li>")
    return Markup("".join(parts))
