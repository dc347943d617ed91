"""Placeholders in update templates and scheduled notices: `{customer_name}`, `{reference}`,
`{title}`, `{next_update_time}`, `{owner}`, `{recipient_name}`.

Unknown placeholders are refused when a template is saved (`unknown_placeholders`) and left
as written when rendering, so a typo never raises in a job.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

PLACEHOLDERS = {
    "customer_name": "The customer organization's name",
    "reference": "The escalation reference, e.g. ESC-1042",
    "title": "The escalation title",
    "next_update_time": "When the next update is due, in the reader's timezone",
    "owner": "The escalation owner's name",
    "recipient_name": "The reader's name (personalised messages only)",
}
_PATTERN = re.compile(r"\{([a-z_]+)\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PATTERN.findall(text) if name not in PLACEHOLDERS})


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%a %d %b, %H:%M %Z") if value else "to be confirmed"


def fill_placeholders(text: str, escalation=None, *, next_update_by: datetime | None = None,
                      recipient=None, zone: ZoneInfo | None = None) -> str:
    """Fill the placeholders for an escalation (and optionally a recipient)."""
    zone = zone or (recipient.zone if recipient is not None else
                    escalation.organization.zone if escalation is not None else ZoneInfo("UTC"))
    values = {"recipient_name": recipient.name if recipient is not None else None}
    if escalation is not None:
        values.update(
            customer_name=escalation.organization.name,
            reference=escalation.reference,
            title=escalation.title,
            next_update_time=_time(next_update_by, zone),
            owner=escalation.owner.name if escalation.owner else "our escalation team",
        )

    def replace(match: re.Match) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return _PATTERN.sub(replace, text)
