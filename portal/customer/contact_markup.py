"""Who is on an escalation, as the customer's escalation page names them (its owner, and the
customer's contact: the communicator, else the account manager), drawn in Python: the live
region is redrawn on every poll, and as a Jinja loop the two cards cost more than their
markup. Byte for byte what the loop in `customer/_escalation_live.html` drew
(tests/customer/test_contact_markup.py). A card depends on nothing but the role and the
person's four fields, so the page's own frozen `Contact` records are drawn once each.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from portal.escalations.customer_page import Contact
from portal.templating import breakable


def contact_card(role: str, person) -> Markup:
    """One `<dl class="meta">`: the role, then the person's name, title, email and phone, or
    "Being assigned" when nobody is (person: anything with those attributes, or None). A
    `customer_page.Contact` is frozen, so its card is remembered."""
    if person is None or type(person) is Contact:
        return _remembered_card(role, person)
    return _card(role, person)


@lru_cache(maxsize=1024)
def _remembered_card(role: str, person: Contact | None) -> Markup:
    return _card(role, person)


def _card(role: str, person) -> Markup:
    if person:
        parts = [f"\n            <div>{escape(person.name)}</div>"]
        if person.job_title:
            parts.append(f'<div class="small muted">{escape(person.job_title)}</div>')
        email = person.email
        parts.append(f'\n            <div class="small"><a href="mailto:{escape(email)}">'
                     f"{breakable(email)}</a></div>")
        phone = person.phone
        if phone:
            parts.append(f'<div class="small"><a href="tel:{escape(phone.replace(" ", ""))}">'
                         f"{escape(phone)}</a></div>")
        shown = "".join(parts)
    else:
        shown = '\n            <span class="muted">Being assigned</span>'
    return Markup(f'\n      <dl class="meta">\n        <div>\n          <dt>{escape(role)}</dt>\n'
                  f"          <dd>{shown}\n          </dd>\n        </div>\n      </dl>")
