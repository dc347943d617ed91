"""Any outbox email as its recipient reads it: the generic renderer (`rendering`) with the
context its kind's template needs (scheduled notices, broadcasts, digests build their own).

Above the kinds, so the kinds themselves can use the generic renderer for their previews.
"""

from __future__ import annotations

from portal.notices.channels import RenderedEmail
from portal.notices.models import Notice
from portal.outreach import broadcast, digest, scheduled
from portal.outreach.rendering import ContextBuilder, render_email

CONTEXT_BUILDERS: dict[str, ContextBuilder] = {
    scheduled.TEMPLATE: scheduled.email_context,
    broadcast.TEMPLATE: broadcast.email_context,
    digest.TEMPLATE: digest.email_context,
}


def render(notice: Notice) -> RenderedEmail:
    """Subject, plain text and HTML for an email notice of any kind."""
    return render_email(notice, CONTEXT_BUILDERS.get(notice.template))
