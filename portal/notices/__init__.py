"""The outbox: notices queued in the same transaction as their cause, the leases dispatchers
hold on them, the channels that carry them (SMTP, webhooks) and the opt-outs they honour.
What a notice says and when it goes is `portal.outreach`'s; this package knows no escalation.
"""
