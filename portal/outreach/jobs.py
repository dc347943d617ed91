"""Scheduled work on notices (listed in `portal.scheduler`): both only insert outbox rows."""

from portal.outreach.digest import queue_daily_digests
from portal.outreach.scheduled import queue_due_scheduled_notices

__all__ = ["queue_daily_digests", "queue_due_scheduled_notices"]
