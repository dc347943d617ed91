"""On-call paging as deployed: the scheduler process pages whoever is on call for a breached
escalation — an email at the SMTP sink and a signed `oncall.paged` webhook at the receiver —
and the email's link acknowledges through gunicorn without signing in."""

from __future__ import annotations

import json
import re

ACK_LINK = re.compile(r"Acknowledge \(stops the repeats\): (\S+)")


def test_the_person_on_call_is_paged_and_acknowledges_from_the_email(deployment, visitor):
    paged = deployment.facts["paged"]
    assert paged["on_call"], "the demo's catch-all team has somebody on call"
    mail = deployment.wait_until(
        lambda: [m for m in deployment.smtp.messages
                 if m["To"] == paged["on_call"] and paged["reference"] in m["Subject"]
                 and "Page" in m["Subject"]],
        what="the page's email at the SMTP sink")
    text = mail[0].get_body(("plain",)).get_content()
    link = ACK_LINK.search(text).group(1)
    assert link.startswith(deployment.base_url + "/on-call/acknowledge/")

    deliveries = deployment.wait_until(
        lambda: [d for d in deployment.webhooks.deliveries
                 if b'"oncall.paged"' in d.body and paged["reference"].encode() in d.body],
        what="the oncall.paged webhook at the receiver")
    body = json.loads(deliveries[0].body)
    assert body["page"]["person"]["email"] == paged["on_call"]
    assert deliveries[0].headers["Idempotency-Key"] == body["id"]

    path = link.removeprefix(deployment.base_url)
    page = visitor.get(path)
    assert page.status_code == 200 and "Acknowledge the page?" in page.text
    done = visitor.submit(page, path)
    assert done.status_code == 200, done.text[:2000]
    assert "Acknowledged" in done.text and "no longer repeats" in done.text
