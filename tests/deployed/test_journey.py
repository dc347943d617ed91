"""The main jobs over HTTP against gunicorn, with the scheduler delivering in its own process."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from tests.deployed.pdf import job_status, pdf_text, prepared
from tests.deployed.stack import WEBHOOK_SECRET

SIGNATURE_FRESHNESS_SECONDS = 300  # what a receiver would accept


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _follow(person, response):
    assert response.status_code == 302, response.text[:2000]
    return person.get(response.headers["Location"])


def test_a_customer_signs_in_reads_the_dashboard_and_comments(deployment, visitor):
    """A customer signs in through gunicorn, sees their open escalations and comments."""
    facts = deployment.facts
    landing = _follow(visitor, visitor.sign_in(facts["customer"], facts["password"]))
    assert landing.status_code == 200
    assert "Open escalations" in landing.text and facts["update"]["reference"] in landing.text

    reference = facts["update"]["reference"]
    page = f"/escalations/{reference}"
    body = f"Does this affect the Rotterdam depot? ({time.time_ns()})"
    posted = visitor.submit(page, f"{page}/comments", **{"comment-body": body})
    assert posted.status_code == 302, posted.text[:2000]
    timeline = visitor.get(page)
    assert timeline.status_code == 200 and body in timeline.text


def test_a_staff_update_reaches_the_customer_by_email_and_signed_webhook(deployment,
                                                                        signed_in):
    """A staff update reaches the customer by email (SMTP) and by webhook, signed with the
    endpoint's secret as a receiver verifies it, and shows on the customer's page."""
    facts = deployment.facts
    escalation = facts["update"]
    body = f"We rolled the fix out to every region; watching error rates. ({time.time_ns()})"
    staff = signed_in(facts["publisher"])
    staff.post_to_timeline(escalation["id"], "customer", body)

    mail = deployment.wait_until(
        lambda: [m for m in deployment.smtp.messages if body in _text(m)],
        what="the update's email at the SMTP sink")
    assert all(m["To"].endswith("@northwind.example.com") for m in mail)

    deliveries = deployment.wait_until(
        lambda: [d for d in deployment.webhooks.deliveries if body.encode() in d.body],
        what="the update's webhook at the receiver")
    assert len(deliveries) == 1
    delivery = deliveries[0]
    stamp = delivery.headers["X-Clearpath-Timestamp"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), stamp.encode() + b"." + delivery.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.headers["X-Clearpath-Signature"], f"v1={expected}")
    assert abs(time.time() - int(stamp)) < SIGNATURE_FRESHNESS_SECONDS
    assert delivery.headers["Idempotency-Key"]
    assert escalation["reference"] in json.dumps(json.loads(delivery.body))

    customer = signed_in(facts["customer"])
    assert body in customer.get(f"/escalations/{escalation['reference']}").text


def test_a_review_is_published_and_its_readers_download_it(deployment, signed_in):
    """Staff start, write, submit and publish a review; the executive is told by email and
    downloads its PDF, which says what the review says."""
    facts = deployment.facts
    escalation = facts["to_publish"]
    staff = signed_in(facts["publisher"])
    review = f"/admin/escalations/{escalation['id']}/review"
    started = staff.post(f"{review}/start", csrf_from=review)
    assert started.status_code == 302
    saved = staff.submit(review, review, executive_summary="The export now carries surcharges.",
                         root_cause="A join dropped surcharge lines without a tariff code.")
    assert saved.status_code == 302, saved.text[:3000]
    assert staff.post(f"{review}/submit", csrf_from=review).status_code == 302
    published = staff.submit(f"{review}/publish", f"{review}/publish", confirm="y")
    assert published.status_code == 303, published.text[:3000]  # to the PDF's progress page
    assert job_status(staff, published.headers["Location"])["state"] == "done"

    executive = signed_in(facts["executive"])
    report = executive.get(f"/escalations/{escalation['reference']}/report")
    assert report.status_code == 200
    pdf = executive.get(f"/escalations/{escalation['reference']}/report/v1.pdf")
    assert pdf.status_code == 200, pdf.text[:2000]  # made before it was published: cached
    text = pdf_text(pdf.content)
    assert escalation["title"] in text and "A join dropped surcharge lines" in text
    deployment.wait_until(
        lambda: [m for m in deployment.smtp.messages
                 if m["To"] == facts["executive"] and escalation["reference"] in _text(m)],
        what="the executive's email about the published review")


def test_an_executive_downloads_a_cold_and_a_cached_report_and_the_quarter_summary(
        deployment, signed_in):
    """An executive downloads a report nobody has rendered yet, then again from the cache,
    and the quarter's summary: real PDFs with the right text."""
    facts = deployment.facts
    report = facts["published"]
    executive = signed_in(facts["executive"])
    path = f"/escalations/{report['reference']}/report/v{report['version']}.pdf"

    def cached() -> set[str]:
        return {p.name for p in deployment.report_cache.glob("*.pdf")}

    for pdf in deployment.report_cache.glob("*.pdf"):  # a cold cache, as after a deploy
        pdf.unlink()
    assert executive.get(path).status_code == 202  # prepared in the background
    cold = prepared(executive, path)
    assert cold.status_code == 200, cold.text[:2000]
    assert cached() == {f"{cold.headers['ETag'].strip(chr(34))}.pdf"}  # rendered just now
    again = executive.get(path)
    assert again.status_code == 200 and again.content == cold.content
    assert again.headers["ETag"] == cold.headers["ETag"]
    assert len(cached()) == 1
    assert report["title"] in pdf_text(cold.content)

    summary = prepared(executive, "/reports/summary.pdf")
    assert summary.status_code == 200, summary.text[:2000]
    assert summary.headers["Content-Type"] == "application/pdf"
    assert facts["organization"] in pdf_text(summary.content)
