"""Inbound monitoring signals: Alertmanager's webhook and a documented generic JSON alert.

An integration (configured in the console, admin/integrations.py) authenticates the sender and
maps an alert's labels to an organization, a product area and a severity. A firing alert opens
an escalation through the console's own `open_escalation`; the same dedupe key adds to it
while it is open; a resolved alert only proposes resolution. Writes: `operations.py` only.
"""
