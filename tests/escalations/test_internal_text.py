"""Internal-looking text in customer updates: what is flagged, and what must never be."""

import pytest

from portal.enums import Role
from portal.escalations.internal_text import PUBLIC_DOMAINS, find_internal_text
from portal.escalations.models import Escalation
from portal.settings import set_setting


@pytest.fixture
def escalation(staff_session, world):
    return staff_session.get(Escalation, world.escalation_a.id)


def _found(text, escalation):
    return [(f.kind, f.text) for f in find_internal_text(text, escalation)]


@pytest.mark.parametrize(("text", "expected"), [
    ("We restarted db-07.internal.", [("hostname", "db-07.internal")]),
    ("Failover to ldap01.corp done", [("hostname", "ldap01.corp")]),
    ("see build.local and api.svc.cluster.local", [("hostname", "build.local"),
                                                  ("hostname", "api.svc.cluster.local")]),
    ("Traffic from 10.0.3.7 was dropped", [("ip_address", "10.0.3.7")]),
    ("subnet 192.168.1.0/24 is affected", [("ip_address", "192.168.1.0/24")]),
    ("host fe80::1ff:fe23:4567:890a answered", [("ip_address", "fe80::1ff:fe23:4567:890a")]),
    ("upstream 2001:db8:85a3:0:0:8a2e:370:7334 down",
     [("ip_address", "2001:db8:85a3:0:0:8a2e:370:7334")]),
    ("Check grafana.ops.vendor-infra.net for details",
     [("hostname", "grafana.ops.vendor-infra.net")]),
    ("Mirror at mirror.somewhere.io", [("hostname", "mirror.somewhere.io")]),
])
def test_internal_looking_text_is_flagged(escalation, text, expected):
    assert _found(text, escalation) == expected


@pytest.mark.parametrize("text", [
    "Patch 4.2.1 is in staging; 4.2.10 follows.",
    "Version 1.2.3.4000 and v2.0.0-rc.1",
    "We meet at 10:30, again at 10:30:15 and at 14:00 UTC.",
    "Error rate fell from 2.5 % to 0.1 %.",
    "Edit config.yaml and restart app.py, then check output.log.",
    "Details e.g. in the runbook, i.e. step 3.",
    "See https://status.clearpath.example.com/incidents and docs.example.com.",
    "Your portal https://portal.acme-logistics.example.com is fine.",
    "ESC-1042.Then we continue.",
    "",
])
def test_ordinary_text_is_not_flagged(escalation, text):
    assert _found(text, escalation) == []


def test_staff_the_customer_does_not_know_are_flagged(escalation, world, staff_session):
    admin = world.staff[Role.ADMINISTRATOR]
    communicator = world.staff[Role.ACCOUNT_MANAGER]  # the escalation's communicator
    text = f"{admin.name} and {communicator.name} looked at it; ask {admin.name.upper()}."
    assert _found(text, escalation) == [("staff_name", admin.name)]


def test_the_owner_is_not_flagged(escalation, staff_session):
    owner = escalation.owner
    assert owner is not None
    assert _found(f"{owner.name} owns this.", escalation) == []


def test_other_customers_are_flagged_but_not_this_one(escalation):
    text = "Like Globex Retail last week, Acme Logistics sees errors."
    assert _found(text, escalation) == [("organization", "Globex Retail")]


def test_each_finding_is_listed_once_in_order(escalation):
    text = "10.0.0.1 then db.internal then 10.0.0.1 again"
    assert _found(text, escalation) == [("ip_address", "10.0.0.1"), ("hostname", "db.internal")]


def test_the_customer_domain_is_allowed_and_others_are_not(escalation, world):
    """Beyond the allow-list setting, the customer's own domains (from its people's email
    addresses) are fine; another customer's host is not."""
    set_setting(PUBLIC_DOMAINS[0], [], actor=None)
    ours = world.customers_a[Role.VIEWER].email.split("@")[1]
    theirs = world.customers_b[Role.VIEWER].email.split("@")[1]
    assert _found(f"Your SSO at sso.{ours} answered.", escalation) == []
    assert _found(f"Unlike sso.{theirs}.", escalation) == [("hostname", f"sso.{theirs}")]
