"""Status chips as Python: what `macros/badges.html` exports (its names are these functions).

A chip depends on nothing but its arguments, and a queue or dashboard draws hundreds of them:
as Jinja macros each one cost two macro calls and a filter chain, so every chip is made here
once per distinct argument and remembered (a handful of values: severities, statuses, tiers,
clock states). The markup is exactly what the macros produced (tests/test_badges.py).
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from portal.escalations import priority

SEVERITY_LABELS = {1: "Critical", 2: "High", 3: "Medium", 4: "Low"}
STATUS_LABELS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "investigating": "Investigating",
    "waiting_on_customer": "Waiting on customer",
    "contained": "Contained",
    "resolved": "Resolved",
    "closed": "Closed",
}
TIER_LABELS = {"L1": "L1", "L2": "L2", "L3": "L3", "MANAGEMENT": "Management"}
SLA_LABELS = {"on_track": "On track", "at_risk": "At risk", "breached": "Breached",
              "met": "Met", "missed": "Missed", "paused": "Paused"}


def _value(x) -> str:
    """An Enum's value, or the value itself, as Jinja would print it (None is "None")."""
    value = x.value if x is not None and hasattr(x, "value") else x
    return str(value)


def _int(text: str) -> int:
    """Jinja's `int(0)` filter."""
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return 0


def _spoken(key: str) -> str:
    return str(escape(key.replace("_", " ").capitalize()))


def _cached(fn):
    """Remember a chip per argument; arguments that cannot be hashed are drawn each time."""
    remembered = lru_cache(maxsize=512)(fn)

    def chip(*args, **kwargs):
        try:
            return remembered(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)

    chip.__doc__, chip.__name__ = fn.__doc__, fn.__name__
    return chip


@_cached
def severity(sev, short=False) -> Markup:
    n = _int(_value(sev))
    if n not in SEVERITY_LABELS:
        return Markup('<span class="badge badge-neutral">Sev ?</span>')
    if short:
        return Markup(f'<span class="badge badge-sev{n}">Sev {n}<span class="visually-hidden"> '
                      f'{SEVERITY_LABELS[n]}</span></span>')
    return Markup(f'<span class="badge badge-sev{n}">Sev {n} · {SEVERITY_LABELS[n]}</span>')


@_cached
def status(st) -> Markup:
    key = _value(st).lower()
    if key in STATUS_LABELS:
        return Markup(f'<span class="badge badge-status badge-status-{key}">'
                      f'{STATUS_LABELS[key]}</span>')
    return Markup(f'<span class="badge badge-status">{_spoken(key)}</span>')


@_cached
def tier(t) -> Markup:
    key = _value(t).upper()
    if key in TIER_LABELS:
        return Markup(f'<span class="badge badge-tier badge-tier-{key.lower()}"><span '
                      f'class="visually-hidden">Tier </span>{TIER_LABELS[key]}</span>')
    return Markup('<span class="badge badge-tier"><span class="visually-hidden">Tier </span>'
                  f'{escape(_value(t))}</span>')


@_cached
def sla(state, label=None) -> Markup:
    key = _value(state).lower()
    detail = f'<span class="sla-detail">{escape(label)}</span>' if label else ""
    if key in SLA_LABELS:
        return Markup(f'<span class="sla sla-{key}"><span class="sla-state">{SLA_LABELS[key]}'
                      f'</span>{detail}</span>')
    return Markup(f'<span class="sla sla-paused"><span class="sla-state">{_spoken(key)}</span>'
                  f'{detail}</span>')


@_cached
def visibility(v) -> Markup:
    key = _value(v).lower()
    if key == "internal":
        return Markup('<span class="badge vis-internal">Internal</span>')
    if key == "customer":
        return Markup('<span class="badge vis-customer">Customer-visible</span>')
    # Never guess: an unknown value is shown as it is, not as either audience.
    return Markup(f'<span class="badge badge-neutral">{_spoken(key)}</span>')


def priority_compact(escalation, threshold=None) -> Markup:
    """The composite priority for a table cell: the score, the bar and the words (visually
    hidden, and as a tooltip): what `admin/queue/_macros.html`'s `compact` drew."""
    breakdown = escalation.priority_breakdown
    key = tuple(sorted(breakdown.items())) if isinstance(breakdown, dict) else breakdown
    try:
        return _priority_compact(escalation.priority_score, key, threshold)
    except TypeError:  # a breakdown that cannot be hashed
        return _draw_priority_compact(escalation.priority_score, breakdown, threshold)


@lru_cache(maxsize=4096)
def _priority_compact(score, breakdown_items, threshold) -> Markup:
    breakdown = dict(breakdown_items) if breakdown_items is not None else None
    return _draw_priority_compact(score, breakdown, threshold)


def _draw_priority_compact(score, breakdown, threshold) -> Markup:
    words = escape(priority.in_words(breakdown))
    segments = "".join(
        f'\n  <rect class="priority-bar-{segment.css}" x="{segment.x}" y="0" '
        f'width="{segment.points}" height="10"><title>{escape(segment.label)} '
        f'{escape(segment.text)}</title></rect>'
        for segment in priority.bar_segments(breakdown))
    marker = (f'\n  <rect class="priority-bar-threshold" x="{max(threshold - 0.75, 0)}" y="0" '
              'width="1.5" height="10"></rect>' if threshold else "")
    senior = (f"; at or above the senior-involvement threshold of {escape(threshold)}"
              if threshold and score >= threshold else "")
    return Markup(
        f'<div class="priority-compact" title="{words}">\n'
        f'  <span class="priority-score"><span class="visually-hidden">Priority </span>'
        f'{escape(score)}</span>\n'
        '  <svg class="priority-bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false">\n'
        '  <rect class="priority-bar-track" x="0" y="0" width="100" height="10"></rect>'
        f'{segments}{marker}\n</svg>\n'
        f'  <span class="visually-hidden">of 100: {words}{senior}.</span>\n</div>')
