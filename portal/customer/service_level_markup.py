"""The escalation page's service level panel drawn in Python: the support plan's targets, the
calendar they count in and the three clocks, redrawn on every request and every poll of the
page's live region. Byte for byte what `customer/_sla_panel.html` drew (kept in
tests/fixtures; tests/customer/test_service_level_markup.py). The clocks are
`portal.sla_markup`'s.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.sla_markup import sla_clock, sla_due, sla_next_update

_WAITING = "waiting on you"


def service_level_panel(escalation, clocks, service_level: dict) -> Markup:
    """The panel: `clocks` (`sla.SlaClocks`), `service_level` (the words of
    `customer.escalation.service_level`)."""
    if service_level["is_24x7"]:
        counts = "around the clock (24×7)"
    else:
        counts = (f"in business hours: {escape(service_level['calendar'])} "
                  f"({escape(service_level['timezone'])})")
    resolve = clocks.resolve
    paused = ". The clock stops while we wait for your team" if resolve.paused_since else ""
    is_open = escalation.is_open
    next_update = clocks.next_update
    if is_open:
        next_shown = sla_next_update(next_update)
    else:
        next_shown = '<span class="muted">none (resolved)</span>'
    promised = ("; this time as promised in the last update"
                if is_open and next_update and next_update.basis == "commitment" else "")
    return Markup(
        '<section id="sla" class="card" aria-labelledby="sla-heading">\n'
        '  <h2 id="sla-heading" class="card-title">Service level</h2>\n'
        f'  <p class="small muted">Support plan: {escape(service_level["policy"])} · '
        f'Sev {escape(escalation.severity)} targets. Time counts {counts}.</p>\n'
        '  <div class="stack sla-panel">\n    <div>\n'
        f'      {sla_clock("Acknowledge", clocks.acknowledge, paused_reason=_WAITING)}\n'
        '      <p class="small muted">Target: within '
        f'{escape(service_level["acknowledge"])}{sla_due(clocks.acknowledge)}</p>\n'
        '    </div>\n    <div>\n'
        f'      {sla_clock("Resolve", resolve, paused_reason=_WAITING)}\n'
        '      <p class="small muted">Target: within '
        f'{escape(service_level["resolve"])}{sla_due(resolve)}{paused}</p>\n'
        '    </div>\n    <div>\n'
        '      <div class="sla-clock"><span class="sla-name">Next update:</span> '
        f'{next_shown}</div>\n'
        f'      <p class="small muted">Target: every {escape(service_level["cadence"])}'
        f'{promised}</p>\n'
        '    </div>\n  </div>\n</section>')
