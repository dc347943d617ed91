"""What a report says: the customer-facing content, its metrics and its chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.reports import charts


def sample_content(**fields) -> dict:
    """A finished version's content, as `build_content` makes it (for renderer tests)."""
    opened = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    at = lambda minutes: (opened + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    texts = {"executive_summary": "The portal was down.",
             "customer_impact": "Nobody could sign in.",
             "root_cause": "An expired certificate.", "contributing_factors": "",
             "preventive_measures": "Automated renewal.", "lessons_learned": ""}
    texts.update(fields)
    return {
        "version": 1, "published_at": at(600), "organization": "Acme Logistics",
        "timezone": "Europe/Berlin", "reference": "ESC-1042", "title": "Checkout outage",
        "severity": 1, "severity_label": "Critical", "product_area": "Checkout",
        "opened_at": at(0), "acknowledged_at": at(10), "contained_at": at(90),
        "resolved_at": at(200), "resolution_summary": "Rotated the certificate.",
        "owner": "Sam", "communicator": "Grace", "fields": texts,
        "root_cause_category": "Certificates",
        "timeline": [{"at": at(i * 3), "text": f"Event {i}"} for i in range(60)],
        "actions": [{"title": "Automate renewal", "owner": "Platform", "due_on": "2026-12-01",
                     "status": "planned"}],
        "metrics": {"acknowledge": {"minutes": 10, "target": 15, "met": True},
                    "contain": {"minutes": 90, "target": 120, "met": True},
                    "resolve": {"minutes": 200, "target": 240, "met": True},
                    "sla_met": True, "updates": {"on_time": 5, "total": 6, "cadence": 60},
                    "business_hours": False},
        "tiers": [{"at": at(0), "tier": "L1"}, {"at": at(30), "tier": "L2"},
                  {"at": at(60), "tier": "L3"}],
        "statuses": [{"at": at(0), "status": "new"}, {"at": at(10), "status": "acknowledged"},
                     {"at": at(20), "status": "investigating"},
                     {"at": at(90), "status": "contained"},
                     {"at": at(200), "status": "resolved"}],
        "csat": {"count": 2, "mean": 4.5},
    }


def test_the_path_chart_is_plain_svg_with_every_status_and_tier():
    """The chart names the statuses and tiers it went through and references nothing."""
    c = sample_content()
    svg = str(charts.escalation_path(c["statuses"], c["tiers"], end=c["resolved_at"],
                                     timezone=c["timezone"]))
    assert svg.startswith("<svg") and "href" not in svg and "<image" not in svg
    for label in ("Acknowledged", "Investigating", "Contained", "Resolved", "L2", "L3"):
        assert label in svg


def test_chart_text_is_escaped():
    svg = str(charts.attainment_trend([{"label": "<script>", "counted": 1, "share": 0.5}]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
