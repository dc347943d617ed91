"""The only writers of reviews. Each operation validates, writes its audit event, queues its
notices, and leaves the commit to the caller; a refused change raises before writing anything.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role, StepStatus
from portal.escalations.audiences import subscribers_of
from portal.escalations.models import Escalation
from portal.escalations.operations.common import customer_saw_change, require_staff
from portal.extensions import db
from portal.notices.operations import enqueue_emails
from portal.operations import OperationError
from portal.permissions import can_publish_on
from portal.reports import limits, timeline
from portal.reports.content import build_content, resolved
from portal.reports.limits import MAX_HIGHLIGHT_CHARS
from portal.reports.models import (
    CUSTOMER_FIELDS,
    FIELDS,
    INTERNAL_FIELDS,
    Review,
    ReviewAction,
    ReviewState,
    ReviewVersion,
)
from portal.reports.timeline import MAX_TIMELINE_ROWS

MAX_ACTIONS = 50
EDITABLE = tuple(f.name for f in FIELDS) + ("root_cause_category",)


def executives_of(organization_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.organization_id == organization_id, User.role == Role.EXECUTIVE,
                           User.active.is_(True)).order_by(User.id)))


def _audience(escalation: Escalation) -> list[User]:
    """Who hears about the report: the organization's executives and the subscribers."""
    return [*executives_of(escalation.organization_id), *subscribers_of(escalation)]


def start_review(escalation: Escalation, *, actor: User) -> Review:
    """Open the post-incident review of a resolved escalation, pre-filled from what is known:
    the customer impact, the resolution summary, and the timeline entries a report carries by
    default (staff's updates to the customer and milestones: `timeline.default_choice`).

    Raises OperationError when the escalation is not resolved or already has a review.
    """
    require_staff(actor)
    if not resolved(escalation):
        raise OperationError("The review opens once the escalation is resolved.")
    if db.session.scalar(select(Review.id).where(Review.escalation_id == escalation.id)):
        raise OperationError("This escalation already has a review.")
    review = Review(
        organization_id=escalation.organization_id, escalation=escalation,
        escalation_id=escalation.id, state=ReviewState.DRAFT, created_by=actor,
        customer_impact=escalation.customer_impact or "",
        executive_summary=escalation.resolution_summary or "",
        root_cause_category=escalation.category or "",
        timeline_highlights=[],
        timeline_choices=timeline.default_choice(timeline.customer_timeline(escalation)),
    )
    db.session.add(review)
    audit.record("review.started", actor=actor, obj=review, escalation_id=escalation.id)
    return review


def _highlight_field(item: dict, index: int) -> str:
    """The form field that shows a refusal of this highlight ("highlights-2-text")."""
    return item.get("field") or f"highlights-{index}-text"


def _clean_highlights(highlights: list[dict]) -> list[dict]:
    cleaned = []
    for index, item in enumerate(highlights):
        text = (item.get("text") or "").strip()
        at = item.get("at")
        if not text:
            continue  # an emptied row is a removed highlight
        field = _highlight_field(item, index)
        if not isinstance(at, datetime):
            raise OperationError("Give this highlight a date and time.",
                                 field.removesuffix("-text") + "-at")
        if len(text) > MAX_HIGHLIGHT_CHARS:
            raise OperationError(
                f"This highlight is {len(text):,} characters long; keep each highlight within "
                f"{MAX_HIGHLIGHT_CHARS:,} characters.", field)
        cleaned.append({"at": at.isoformat(), "text": text, "field": field})
    if len(cleaned) > MAX_TIMELINE_ROWS:
        raise OperationError(f"A report holds at most {MAX_TIMELINE_ROWS} highlights.",
                             "timeline_highlights")
    return sorted(cleaned, key=lambda item: datetime.fromisoformat(item["at"]))


def _excerpt(text: str, size: int = 40) -> str:
    words = " ".join(text.split())
    return words if len(words) <= size else words[:size - 1] + "…"


def _report_parts(review: Review, values: dict, highlights: list[dict],
                  choice: list[int]) -> list[limits.Part]:
    """Every text the report would carry once these values are saved, in reading order."""
    parts = [limits.Part(f.name, f.label, values.get(f.name, getattr(review, f.name)) or "",
                         subject="This field") for f in CUSTOMER_FIELDS]
    entries = timeline.chosen_entries(timeline.customer_timeline(review.escalation), choice)
    parts += [limits.Part("timeline_choices", f"The chosen entry “{_excerpt(update.body)}”",
                          update.body, timeline.MAX_ENTRY_CHARS,
                          advice="Untick it and write a shorter highlight instead.")
              for update in entries]
    parts += [limits.Part(item.get("field"), f"Timeline highlight {_row(item, position)}",
                          item["text"], MAX_HIGHLIGHT_CHARS)
              for position, item in enumerate(highlights, start=1)]
    return parts


def _row(item: dict, position: int) -> int:
    """The highlight's row on the form ("highlights-2-text" is row 3), else its position."""
    parts = (item.get("field") or "").split("-")
    return int(parts[1]) + 1 if len(parts) == 3 and parts[1].isdigit() else position


def save_review(review: Review, *, actor: User, values: dict,
                highlights: list[dict] | None = None,
                timeline_choices: list[int] | None = None) -> None:
    """Save the editor's fields (and the timeline highlights and the chosen timeline entries
    when given). Editing a published review starts its next revision: it goes back to draft,
    and the published versions stay as they were until the next publication.

    Raises OperationError, by the field at fault, for an over-long field, an incomplete
    highlight, an entry that is not the escalation's to choose, or content the report cannot
    show (`limits.check_report`: sizes, nesting, tables) — before anything is written.
    """
    require_staff(actor)
    for name, value in values.items():
        if name not in EDITABLE:
            raise OperationError(f"Unknown review field {name!r}.")
        if name == "root_cause_category" and len(value or "") > 80:
            raise OperationError("Keep the category within 80 characters.", name)
    for f in INTERNAL_FIELDS:
        limits.check_length(limits.Part(f.name, f.label, values.get(f.name) or "",
                                        subject="This field"))
    cleaned = _clean_highlights(highlights) if highlights is not None else None
    choice = (timeline.clean_choice(review.escalation, timeline_choices)
              if timeline_choices is not None else None)
    limits.check_report(_report_parts(
        review, {name: (value or "").strip() for name, value in values.items()},
        cleaned if cleaned is not None else review.timeline_highlights or [],
        choice if choice is not None else review.timeline_choices or []))
    if cleaned is not None:
        cleaned = [{"at": item["at"], "text": item["text"]} for item in cleaned]
    fields = (list(values) + (["timeline_highlights"] if cleaned is not None else [])
              + (["timeline_choices"] if choice is not None else []))
    before = audit.snapshot(review, fields)
    for name, value in values.items():
        setattr(review, name, (value or "").strip())
    if cleaned is not None:
        review.timeline_highlights = cleaned
    if choice is not None:
        review.timeline_choices = choice
    after = audit.snapshot(review, fields)
    if before != after and review.state == ReviewState.PUBLISHED:
        review.state = ReviewState.DRAFT
    # The timeline is long: the audit event names the change rather than copying it.
    if before.get("timeline_highlights") != after.get("timeline_highlights"):
        before["timeline_highlights"] = after["timeline_highlights"] = None
        audit.record("review.highlights_edited", actor=actor, obj=review,
                     count=len(cleaned or []))
    audit.record_change("review.edited", actor=actor, obj=review, before=before, after=after)


def submit_review(review: Review, *, actor: User) -> None:
    """Ask for review before publication. Raises OperationError unless the review is a draft
    with an executive summary and a root cause, whose content a report can show (a draft
    saved before the limits of `portal.reports.limits` is checked here)."""
    require_staff(actor)
    if review.state != ReviewState.DRAFT:
        raise OperationError("Only a draft can be submitted for review.")
    for name, label in (("executive_summary", "an executive summary"),
                        ("root_cause", "the root cause")):
        if not getattr(review, name).strip():
            raise OperationError(f"Write {label} before submitting.", name)
    limits.check_report(_report_parts(review, {}, review.timeline_highlights or [],
                                      review.timeline_choices or []))
    review.state = ReviewState.IN_REVIEW
    review.submitted_at = now()
    audit.record("review.submitted", actor=actor, obj=review)


def return_to_draft(review: Review, *, actor: User) -> None:
    """Send a review in review back to its authors. Raises OperationError otherwise."""
    require_staff(actor)
    if review.state != ReviewState.IN_REVIEW:
        raise OperationError("Only a review in review can go back to draft.")
    review.state = ReviewState.DRAFT
    audit.record("review.returned_to_draft", actor=actor, obj=review)


def check_publication(review: Review, *, actor: User, confirmed: bool) -> None:
    """Raise unless `actor` may publish `review` now: PermissionError unless they may publish
    on the escalation (`can_publish_on`), OperationError unless the review is in review and the
    publisher confirmed."""
    require_staff(actor)
    if not can_publish_on(actor, review.escalation):
        raise PermissionError("this user may not publish to this customer")
    if review.state != ReviewState.IN_REVIEW:
        raise OperationError("Submit the review for review before publishing it.")
    if not confirmed:
        raise OperationError("Confirm that the report may go to the customer.", "confirm")


def publish_review(review: Review, *, actor: User, confirmed: bool,
                   content: dict | None = None, at: datetime | None = None) -> ReviewVersion:
    """Publish the review as its next version and tell the customer's executives and the
    escalation's subscribers (outbox). Earlier versions stay downloadable. `content` and `at`
    are what a publication job rendered (portal.reports.publishing); without them the content
    is built now. The console publishes through that job: its PDF is made first.

    Raises as `check_publication` does.
    """
    check_publication(review, actor=actor, confirmed=confirmed)
    at = at or now()
    number = review.latest_version + 1
    version = ReviewVersion(
        organization_id=review.organization_id, review=review, number=number, published_at=at,
        published_by_id=actor.id,
        content=content or build_content(review, version=number, published_at=at))
    db.session.add(version)
    review.latest_version = number
    review.state = ReviewState.PUBLISHED
    review.published_at = at
    escalation = review.escalation
    customer_saw_change(escalation, at)  # the escalation page links the report from now on
    audit.record("review.published", actor=actor, obj=review, version=number)
    enqueue_emails(f"review_published:{review.id}:v{number}", _audience(escalation),
                   template="review_published", escalation_id=escalation.id,
                   context={"escalation_id": escalation.id, "review_id": review.id,
                            "version": number})
    return version


def refuse_publication(review: Review, *, actor: User | None, version: int,
                       reason: str) -> None:
    """Record that version `version` was not published because its PDF could not be made
    (nobody is told; the review stays as it was)."""
    audit.record("review.publication_refused", actor=actor, obj=review, version=version,
                 reason=reason)


def _check_action(title: str, owner: str, due_on: date | None) -> None:
    if not title.strip():
        raise OperationError("Say what will be done.", "title")
    if len(title) > 200:
        raise OperationError("Keep the action under 200 characters.", "title")
    if not owner.strip():
        raise OperationError("Name who owns this action.", "owner")
    if len(owner) > 120:
        raise OperationError("Keep the owner under 120 characters.", "owner")


def add_action(review: Review, *, actor: User, title: str, owner: str,
               due_on: date | None, status: StepStatus = StepStatus.PLANNED) -> ReviewAction:
    """Add a remediation action. Raises OperationError without a title or an owner."""
    require_staff(actor)
    _check_action(title, owner, due_on)
    if len(review.actions) >= MAX_ACTIONS:
        raise OperationError(f"A review holds at most {MAX_ACTIONS} actions.", "title")
    # Appended once: `review=review` as well put it in `review.actions` twice (back_populates),
    # and a report published in the same session listed the action twice.
    action = ReviewAction(organization_id=review.organization_id,
                          position=len(review.actions), title=title.strip(),
                          owner=owner.strip(), due_on=due_on, status=status,
                          completed_at=now() if status == StepStatus.DONE else None)
    review.actions.append(action)
    audit.record("review.action_added", actor=actor, obj=action, review_id=review.id,
                 title=action.title)
    return action


def update_action(action: ReviewAction, *, actor: User, title: str, owner: str,
                  due_on: date | None, status: StepStatus) -> None:
    """Change an action. Completing one of a published review tells the customer (outbox):
    remediation stays live after publication. Raises OperationError as `add_action` does."""
    require_staff(actor)
    _check_action(title, owner, due_on)
    fields = ("title", "owner", "due_on", "status")
    before = audit.snapshot(action, fields)
    completing = status == StepStatus.DONE and action.status != StepStatus.DONE
    action.title, action.owner, action.due_on, action.status = (
        title.strip(), owner.strip(), due_on, status)
    if completing:
        action.completed_at = now()
    elif status != StepStatus.DONE:
        action.completed_at = None
    audit.record_change("review.action_changed", actor=actor, obj=action,
                        before=before, after=audit.snapshot(action, fields))
    review = action.review
    if completing and review.latest_version > 0:
        escalation = review.escalation
        db.session.flush()
        enqueue_emails(f"review_action_completed:{action.id}", _audience(escalation),
                       template="review_action_completed", escalation_id=escalation.id,
                       context={"escalation_id": escalation.id, "review_id": review.id,
                                "action_id": action.id, "action_title": action.title,
                                "action_owner": action.owner})


def remove_action(action: ReviewAction, *, actor: User) -> None:
    require_staff(actor)
    audit.record("review.action_removed", actor=actor, obj=action, title=action.title)
    action.review.actions.remove(action)


def record_download(*, actor: User, kind: str, organization_id: int | None,
                    review_id: int | None = None, version: int | None = None,
                    **detail) -> None:
    """Every download of a report writes an audit event (the caller commits). A download
    changes nothing else, so the event is inserted at once (`audit.append`), naming the review
    by id: the download path never loads it."""
    audit.append("report.downloaded", actor=actor, organization_id=organization_id,
                 object_type="Review" if review_id is not None else "", object_id=review_id,
                 kind=kind, version=version, **detail)
