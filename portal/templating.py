"""Jinja filters: times in the viewer's timezone, durations people read, Markdown."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup, escape

from portal import badges, choice_markup, form_markup
from portal.clock import now
from portal.escalations import priority
from portal.markdown import render_markdown


def viewer_zone() -> ZoneInfo:
    """The signed-in viewer's timezone (an email being rendered sets its recipient's)."""
    zone = g.get("render_zone")  # once per request: a dashboard formats thousands of times
    if zone is None:
        user = current_user
        zone = g.render_zone = user.zone if user and user.is_authenticated else ZoneInfo("UTC")
    return zone


def localtime(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M %Z") -> str:
    """An instant in the viewer's timezone, e.g. "Mon 23 Nov 2026, 14:02 CET"."""
    if value is None:
        return "—"
    return in_zone(value, viewer_zone(), fmt)


@lru_cache(maxsize=16384)
def in_zone(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    """Remembered per instant, zone and format: a page formats the same instants on every
    request (a timeline entry's time three ways), and a live page is requested again and
    again."""
    return value.astimezone(zone).strftime(fmt)


_MINUTE = timedelta(minutes=1)
_NO_TIME = timedelta(0)


def duration(delta: timedelta) -> str:
    """A compact human duration: "3 d 4 h", "2 h 5 min", "45 min", "under a minute"."""
    # Whole minutes either way, by timedelta arithmetic (no calls: pages draw a few hundred).
    return in_words((-delta if delta < _NO_TIME else delta) // _MINUTE)


@lru_cache(maxsize=4096)
def in_words(minutes: int) -> str:
    """`duration`'s words for a whole number of minutes (a pure function, remembered: the
    same few thousand spans come back on every page)."""
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return "under a minute"




def relative(value: datetime | None, at: datetime | None = None) -> str:
    """Relative to now: "in 3 h", "2 d 4 h ago"."""
    if value is None:
        return "—"
    delta = value - (at or now())
    return relative_words(delta // _MINUTE if delta >= _NO_TIME else -1 - -delta // _MINUTE)


@lru_cache(maxsize=8192)
def relative_words(signed_minutes: int) -> str:
    """`relative`'s words for a span given as whole minutes: `delta // minute` for an instant
    at or after the reference, `-1 - (-delta // minute)` for one before it (so that "just
    now", within a minute either way, is 0 and -1). A pure function of an int, remembered:
    pages that draw many relative times (the dashboard) pass the int without a call."""
    if signed_minutes >= 0:
        return f"in {in_words(signed_minutes)}" if signed_minutes else "just now"
    minutes = -1 - signed_minutes
    return f"{in_words(minutes)} ago" if minutes else "just now"


def time_since(instant: datetime, at: datetime) -> Markup:
    """`<time>` of how long ago `instant` was at `at` ("3 h 5 min"), its exact local time as
    the tooltip: drawn in Python, since a queue shows a few hundred of them."""
    return Markup(f'<time datetime="{escape(iso(instant))}" title="{escape(localtime(instant))}">'
                  f"{escape(duration(at - instant))}</time>")


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


_BREAK_AFTER = re.compile(r"([@.])")
#: Form fields that shape a list without narrowing it (not counted as filters someone set).
NOT_FILTERS = frozenset({"csrf_token", "submit", "sort", "page", "view"})


def breakable(value: str | None) -> Markup:
    """An email address (or host name) that wraps after "@" and dots, never mid-word:
    "sam.whitfield@<wbr>clearpath.<wbr>example.<wbr>com"."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(value or ""))))


def person_card(role: str, user) -> Markup:
    """Who owns an escalation or speaks to the customer, with their email and phone: drawn in
    Python and remembered per person, since a dashboard shows two on every row."""
    if not user:
        return _person_card(role, None, None, None)
    return _person_card(role, user.name, user.email, user.phone)


@lru_cache(maxsize=1024)
def _person_card(role, name, email, phone) -> Markup:
    head = f'<div class="person">\n  <span class="dash-label">{escape(role)}</span>'
    if name is None:
        return Markup(f'{head}\n  <span class="muted">Being assigned</span>\n</div>')
    card = (f'{head}\n  <span class="dash-strong">{escape(name)}</span>\n  '
            f'<a class="person-contact" href="mailto:{escape(email)}">'
            f'<span class="visually-hidden">Email {escape(name)}: </span>{breakable(email)}</a>')
    if phone:
        dialled = str(phone).replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
        card += (f'\n  <a class="person-contact" href="tel:{escape(dialled)}"><span '
                 f'class="visually-hidden">Call {escape(name)}: </span>{escape(phone)}</a>')
    return Markup(card + "\n</div>")


def filter_defaults(form) -> dict[str, str]:
    """A filter form's filters (sorting and paging aside) and the value each shows unset."""
    return {field.name: "" if field.default is None else str(field.default)
            for field in form if field.name not in NOT_FILTERS}


def filters_set(form) -> int:
    """How many of a filter form's filters the person set."""
    return sum(1 for field in form if field.name not in NOT_FILTERS
               and field.data not in (None, "", [], field.default))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        localtime=localtime, relative=relative, duration=duration, iso=iso,
        markdown=render_markdown, priority_segments=priority.bar_segments,
        priority_words=priority.in_words, priority_points=priority.points_text,
        breakable=breakable,
    )
    app.jinja_env.globals.update(filters_set=filters_set, filter_defaults=filter_defaults)
    app.jinja_env.globals["now"] = now
    app.jinja_env.globals["chips"] = badges
    app.jinja_env.globals["time_since"] = time_since
    app.jinja_env.globals["person_card"] = person_card
    app.jinja_env.globals.update(
        form_field=form_markup.form_field, form_errors=form_markup.form_errors,
        csrf_field=form_markup.csrf_field, submit_button=form_markup.submit_button,
        chosen_field=choice_markup.chosen_field)
    app.jinja_env.globals["PRIORITY_FACTORS"] = priority.FACTOR_LABELS
