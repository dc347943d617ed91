"""The post-incident review of a resolved escalation, its remediation actions and its published
versions.

A review is edited in place (draft → in review → published). Publishing freezes what the
customer may read into a `ReviewVersion` (`content`, built from the customer-facing fields only),
so every version stays downloadable exactly as it was sent. Remediation actions stay live after
publication: their progress shows in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import StepStatus, db_enum
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class ReviewState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "in_review": "In review", "published": "Published"}[self.value]


@dataclass(frozen=True)
class ReviewField:
    name: str
    label: str
    help: str
    internal: bool = False


# The review's text fields, in reading order. Internal fields never leave the console: the
# published content (and so the PDF) is built from the others only.
FIELDS: tuple[ReviewField, ...] = (
    ReviewField("executive_summary", "Executive summary",
                "What happened and what it meant, in a few sentences an executive reads first."),
    ReviewField("customer_impact", "Customer impact",
                "Who was affected, how, and for how long."),
    ReviewField("root_cause", "Root cause", "The underlying cause, plainly stated."),
    ReviewField("contributing_factors", "Contributing factors",
                "What made it worse or slower to resolve."),
    ReviewField("preventive_measures", "Preventive measures",
                "What will keep it from happening again."),
    ReviewField("lessons_learned", "Lessons learned",
                "What we learned, as the customer may read it."),
    ReviewField("internal_analysis", "Blameless internal analysis",
                "Internal only: never shown to the customer nor printed in the report.",
                internal=True),
)
CUSTOMER_FIELDS = tuple(f for f in FIELDS if not f.internal)
INTERNAL_FIELDS = tuple(f for f in FIELDS if f.internal)


class Review(TenantScoped, db.Model):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), unique=True)
    state: Mapped[ReviewState] = mapped_column(db_enum(ReviewState, "review_state"),
                                               default=ReviewState.DRAFT)
    executive_summary: Mapped[str] = mapped_column(sa.Text, default="")
    customer_impact: Mapped[str] = mapped_column(sa.Text, default="")
    root_cause: Mapped[str] = mapped_column(sa.Text, default="")
    root_cause_category: Mapped[str] = mapped_column(sa.String(80), default="")
    contributing_factors: Mapped[str] = mapped_column(sa.Text, default="")
    preventive_measures: Mapped[str] = mapped_column(sa.Text, default="")
    lessons_learned: Mapped[str] = mapped_column(sa.Text, default="")
    internal_analysis: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"at": ISO instant, "text": Markdown}]: timeline lines staff write themselves.
    timeline_highlights: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Ids of the customer-visible timeline entries the report carries (portal.reports.timeline).
    timeline_choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest_version: Mapped[int] = mapped_column(default=0)

    escalation: Mapped[Escalation] = relationship()
    created_by: Mapped[User | None] = relationship()
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", order_by="(ReviewAction.position, ReviewAction.id)",
        cascade="all, delete-orphan")
    versions: Mapped[list[ReviewVersion]] = relationship(
        back_populates="review", order_by="ReviewVersion.number.desc()",
        cascade="all, delete-orphan")

    @property
    def has_unpublished_changes(self) -> bool:
        return self.latest_version > 0 and self.state != ReviewState.PUBLISHED


class ReviewAction(TenantScoped, db.Model):
    """A remediation action promised in the review: owner, due date, status. Stays live."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    owner: Mapped[str] = mapped_column(sa.String(120), default="")
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[StepStatus] = mapped_column(db_enum(StepStatus, "step_status"),
                                               default=StepStatus.PLANNED)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    review: Mapped[Review] = relationship(back_populates="actions")

    def is_late(self, today: date) -> bool:
        return self.status != StepStatus.DONE and self.due_on is not None and self.due_on < today

    def done_late(self, zone: ZoneInfo) -> bool:
        """Done, but on a later day than it was due (days as the organization counts them)."""
        return (self.status == StepStatus.DONE and self.due_on is not None
                and self.completed_at is not None
                and self.completed_at.astimezone(zone).date() > self.due_on)


class ReviewVersion(TenantScoped, db.Model):
    """One publication: the customer-facing content exactly as published."""

    __tablename__ = "review_versions"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "number", name="uq_review_versions_review_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"),
                                           index=True)
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    content: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    review: Mapped[Review] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()


class RenderState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RenderKind(StrEnum):
    """What a render job makes: a published version's PDF, a quarter summary, the PDF preview
    of a draft, or the PDF of a version about to be published (published once it renders)."""

    REVIEW = "review"
    SUMMARY = "summary"
    PREVIEW = "preview"
    PUBLICATION = "publication"


class RenderJob(TenantScoped, db.Model):
    """One PDF being prepared in the background (portal.reports.preparing and .jobs).

    `content_key` is the cache key of the HTML to render (portal.reports.rendering.cache_key):
    whoever asks for the same document finds the same job, and a render known to fail is
    answered from here at once instead of being started again. The HTML itself is kept only
    until the job ends; a publication also keeps the content it will publish."""

    __tablename__ = "render_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RenderKind] = mapped_column(db_enum(RenderKind, "render_kind"))
    state: Mapped[RenderState] = mapped_column(db_enum(RenderState, "render_state"),
                                               default=RenderState.QUEUED, index=True)
    review_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    version: Mapped[int | None]
    period: Mapped[str | None] = mapped_column(sa.String(10))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    content_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    html: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    content: Mapped[dict | None] = mapped_column(sa.JSON, deferred=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in (RenderState.DONE, RenderState.FAILED)
