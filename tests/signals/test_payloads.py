"""Reading Alertmanager's webhook and the mapping rules; the Alertmanager endpoint's answers."""

from __future__ import annotations

import pytest

from portal.operations import OperationError
from portal.signals import mapping, payloads
from portal.signals.models import IntegrationKind
from tests.signals.conftest import make_sender

WEBHOOK = {
    "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing",
    "receiver": "clearpath", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
    "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db-07",
                                                "severity": "warning"},
                "annotations": {"summary": "Disk full on db-07"},
                "startsAt": "2026-12-06T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus/graph", "fingerprint": "3c1a9d0f1b2e4a55"}],
}


def test_an_alertmanager_alert_is_keyed_by_fingerprint_or_its_dedupe_key_label():
    """No dedupe_key label: the fingerprint; with one, the label (several alerts, one key)."""
    [alert], errors = payloads.alertmanager(WEBHOOK)
    assert errors == {}
    assert (alert.dedupe_key, alert.title, alert.severity) == (
        "3c1a9d0f1b2e4a55", "Disk full on db-07", 3)
    labelled = {**WEBHOOK, "alerts": [{**WEBHOOK["alerts"][0], "labels": {
        **WEBHOOK["alerts"][0]["labels"], "dedupe_key": "disks"}}]}
    assert payloads.alertmanager(labelled)[0][0].dedupe_key == "disks"


def test_a_malformed_alertmanager_body_is_refused_field_by_field():
    """Each bad alert field is named with its index."""
    body = {**WEBHOOK, "version": "3", "alerts": [
        {"status": "pending", "labels": {"a": 1}, "fingerprint": 5}, "nonsense"]}
    _, errors = payloads.alertmanager(body)
    assert set(errors) == {"version", "alerts[0].status", "alerts[0].labels",
                           "alerts[0].fingerprint", "alerts[1]"}
    assert payloads.alertmanager({"alerts": []})[1] == {"alerts": ["Send at least one alert."]}


def test_rules_read_back_as_written_and_the_first_match_wins():
    """Parsed rules print back the same; the first matching rule beats later ones and the
    alert's own values, which beat the defaults."""
    text = 'service=db env=prod -> organization=acme severity=1 product_area="Data platform"'
    rules = mapping.parse_rules(text + "\n# comment\n-> severity=low")
    assert mapping.parse_rules(mapping.rules_text(rules)) == rules
    mapped = mapping.map_alert(rules, {"service": "db", "env": "prod"}, organization="other",
                               severity=4, default_organization="fallback",
                               default_severity=3, default_product_area="")
    assert mapped == mapping.Mapped("acme", "Data platform", 1)
    other = mapping.map_alert(rules, {"service": "web"}, organization=None, severity=None,
                              default_organization="fallback", default_severity=3,
                              default_product_area="Platform")
    assert other == mapping.Mapped("fallback", "Platform", 4)


@pytest.mark.parametrize("line, message", [
    ("service=db", "Line 1: write the labels, then -> and what they map to."),
    ("service=db -> colour=red", "Line 1: colour is not organization, product_area or "
                                 "severity."),
    ("service=db -> severity=7", "Line 1: severity must be 1–4 or critical, high, medium, low."),
    ("service -> severity=1", "Line 1: 'service' is not name=value."),
])
def test_an_unreadable_rule_names_its_line(line, message):
    """The console shows which line is wrong, and why."""
    with pytest.raises(OperationError) as refused:
        mapping.parse_rules(line)
    assert (str(refused.value), refused.value.field) == (message, "rules")


def test_alertmanager_repeats_are_recorded_and_do_nothing(client, world, as_staff):
    """The same alert re-sent (a group interval later) is a repeat, not a second signal."""
    with as_staff():
        sender = make_sender(world, kind=IntegrationKind.ALERTMANAGER)
    outcomes = []
    for _ in range(2):
        response = client.post("/api/v1/signals/alertmanager", json=WEBHOOK,
                               headers=sender.headers)
        assert response.status_code == 202
        outcomes.append(response.json["signals"][0]["outcome"])
    assert outcomes == ["opened", "repeat"]


def test_a_body_that_is_not_json_answers_400(client, sender):
    """Problem details, not an HTML page."""
    response = client.post("/api/v1/signals/generic", data="alert!", headers=sender.headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
