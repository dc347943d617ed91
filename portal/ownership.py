"""What marks a row as a customer organization's own: the `TenantScoped` mixin.

Models carry it; `portal.tenancy` filters and guards every row that does (and the two models
that own themselves, organizations and users). It lives apart from the mechanism so the
models depend on a column, not on the request machinery.
"""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import ForeignKey


class TenantScoped:
    """Mixin for every customer-owned row: it carries `organization_id` and is filtered by it."""

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
