"""The escalation page's live region, its fixed parts drawn in Python: the header, who is on it
and when the customer hears next, and the timeline's card with its comment form. The region is
redrawn on every request and every poll, and as Jinja these parts cost a filter chain per time
shown. Byte for byte what `customer/_escalation_live.html` drew (the template as it was is kept
in tests/fixtures; tests/customer/test_region_markup.py); the rest of the region is drawn by
`plan_markup`, `service_level_markup`, `timeline_entries` and `page_forms`.

Times are the viewer's (`templating`); like ids, states and URLs built from a reference they
need no escaping, what people wrote does.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal import badges
from portal.customer.contact_markup import contact_card
from portal.customer.page_forms import drawn_comment_form
from portal.customer.timeline_entries import timeline_section
from portal.sla_markup import live_status, sla_next_update
from portal.templating import iso, localtime, relative

SHORT = "%a %d %b, %H:%M"


def page_header(escalation, at, poll_seconds) -> Markup:
    """Reference, title, severity, status, tier, product area; when the region was drawn."""
    area = escalation.product_area
    shown_area = (' <span class="small muted"><span class="visually-hidden">Product area: '
                  f'</span>{escape(area)}</span>' if area else "")
    return Markup(
        '<header class="page-header">\n    <div>\n'
        f'      <p class="eyebrow ref">{escape(escalation.reference)}</p>\n'
        f'      <h1>{escape(escalation.title)}</h1>\n'
        f'      <p class="cluster">{badges.severity(escalation.severity)} '
        f'{badges.status(escalation.status)} {badges.tier(escalation.tier)}{shown_area}</p>\n'
        f'    </div>\n    {live_status(at, poll_seconds)}\n  </header>')


def who_section(escalation, contact, next_update) -> Markup:
    """The owner and the customer's contact (the communicator, else the account manager),
    when it was opened, when the next update is due (or when it was resolved), the impact."""
    role = "Your contact" if escalation.communicator or not contact else "Your account manager"
    if escalation.is_open:
        last = f"Next update</dt>\n          <dd>{sla_next_update(next_update)}"
    else:
        last = f"Resolved</dt>\n          <dd>{_instant(escalation.resolved_at)}"
    impact = escalation.customer_impact
    shown_impact = ('\n    <div>\n      <h2 class="card-title">Impact on you</h2>\n'
                    f'      <p class="muted">{escape(impact)}</p>\n    </div>' if impact else "")
    return Markup(
        '<section class="card stack-lg" aria-label="Who is on it and when you hear next">\n'
        f'    <div class="grid">{contact_card("Owner", escalation.owner)}'
        f'{contact_card(role, contact)}\n'
        '      <dl class="meta">\n        <div>\n          <dt>Opened</dt>\n'
        f'          <dd>{_instant(escalation.opened_at)}</dd>\n        </div>\n      </dl>\n'
        f'      <dl class="meta">\n        <div>\n          <dt>{last}</dd>\n        </div>\n'
        '      </dl>\n    </div>'
        f'{shown_impact}\n  </section>')


def _instant(value) -> str:
    return (f'<time datetime="{escape(iso(value))}">{escape(localtime(value, SHORT))}</time> '
            f'<div class="small muted">{escape(relative(value))}</div>')


def timeline_card(escalation, updates, next_update, comment_form, *, zone_key, confirmation=None,
                  preserve_forms=False) -> Markup:
    """The timeline's card: the comment form above the updates, newest first (`zone_key`: the
    timezone the times are in)."""
    form = drawn_comment_form(escalation.reference, comment_form, confirmation, preserve_forms)
    return Markup(
        '<section class="card" aria-labelledby="timeline-heading">\n'
        '        <div class="card-header"><h2 id="timeline-heading">Timeline</h2>'
        f'<span class="small muted">Newest first · times in {escape(zone_key)}</span></div>\n'
        '        <div class="stack">\n'
        f'          {form}\n'
        f'          {timeline_section(updates, next_update)}\n'
        '        </div>\n      </section>')
