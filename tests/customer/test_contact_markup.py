"""The owner and contact cards of the customer's escalation page are drawn in Python now
(portal/customer/contact_markup.py): they read byte for byte as the loop of
`customer/_escalation_live.html` drew them (kept in tests/fixtures), with and without a title
or phone, nobody assigned, and hostile text."""

from pathlib import Path

import pytest

from portal.escalations.customer_page import Contact

FIXTURE = Path(__file__).parent.parent / "fixtures" / "customer_contacts_before.html"
LOOP_BEFORE = FIXTURE.read_text()
AFTER = """
      {{- escalation_parts.contact_card('Owner', owner) }}{{ escalation_parts.contact_card(
            contact_role, contact) }}
"""

HOSTILE = '<script>alert("x")</script> & \'quotes\''
PEOPLE = [
    None,
    Contact("Sam Whitfield", "Incident lead", "sam.whitfield@clearpath.example",
            "+44 20 7946 0000"),
    Contact("Ana O'Neil", "", "ana@acme.example", ""),
    Contact(HOSTILE, HOSTILE, 'x"@evil.example<b>', "+1 <555> & 0100"),
]


@pytest.mark.parametrize("owner", PEOPLE)
@pytest.mark.parametrize("contact", PEOPLE)
@pytest.mark.parametrize("contact_role", ["Your contact", "Your account manager", HOSTILE])
def test_the_cards_read_as_the_jinja_loop_drew_them(app, owner, contact, contact_role):
    with app.test_request_context("/"):
        context = {"owner": owner, "contact": contact, "contact_role": contact_role}
        before = app.jinja_env.from_string(LOOP_BEFORE).render(context)
        after = app.jinja_env.from_string(AFTER).render(context)
    assert after == before
