"""The staff queue's arguments read without the filter form, when a plain reading finds them
valid: building and validating `QueueFilterForm` (thirteen WTForms fields bound on every
request) cost more calls than drawing the queue's quick views, bar and pager together.

`query_from_args` accepts only what the form plainly accepts (each argument known and given
once, every select's value among its choices, ids and pages as plain digits, texts within
their lengths) and answers exactly the form's `to_query()` then; for anything else (an
unknown or repeated argument, a value the form might refuse or read otherwise) it answers
None and the form judges, as before (a refused form is drawn with its errors, status 422).
tests/admin/test_queue_args.py holds the two to the same answers.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from portal.enums import OPEN_STATUSES, SEVERITY_LABELS, Segment, Tier
from portal.escalations import queue
from portal.escalations.listing import SEARCH_MAX_CHARS
from portal.inputs import MAX_PAGE, bounded_int

#: The arguments the form reads (any other one: the form judges).
_ARGS = frozenset(("view", "q", "tier", "owner", "status", "severity", "area", "segment",
                   "account", "sla", "sort", "page"))
_VIEWS = frozenset(queue.QUICK_VIEWS) | {""}
_TIERS = {tier.value: tier for tier in Tier}
_STATUSES = {status.value: status for status in OPEN_STATUSES}
_SEVERITIES = {str(n): n for n in SEVERITY_LABELS}
_SEGMENTS = {segment.value: segment for segment in Segment}
_SLAS = frozenset(queue.SLA_FILTERS)
#: QueueFilterForm's area validator (Length(max=80)).
AREA_MAX_CHARS = 80
#: Longest id the form's bounded_int reads (more digits: the form judges).
_ID_DIGITS = 12

_UNFILTERED = queue.QueueQuery()


def _id(text: str) -> int | None | bool:
    """An owner or account id as the form reads it: None when blank, the id when plain digits
    within range, False when the form has to judge."""
    if not text:
        return None
    if len(text) > _ID_DIGITS or not (text.isascii() and text.isdigit()):
        return False
    number = bounded_int(text)
    return False if number is None else number


def query_from_args(args: MultiDict) -> queue.QueueQuery | None:
    """The query `QueueFilterForm(args).to_query()` gives when the form finds `args` valid,
    read without the form; None whenever the form has to judge."""
    if not args:
        return _UNFILTERED
    if not _ARGS.issuperset(args) or any(len(args.getlist(key)) > 1 for key in args):
        return None
    args = args.to_dict()  # one value each (just checked): plain dict lookups below
    get = args.get
    view, search, area = get("view", ""), get("q", ""), get("area", "")
    tier, status, severity = get("tier", ""), get("status", ""), get("severity", "")
    segment, sla, sort = get("segment", ""), get("sla", ""), get("sort", queue.DEFAULT_SORT)
    owner, account = _id(get("owner", "")), _id(get("account", ""))
    if (view not in _VIEWS or len(search) > SEARCH_MAX_CHARS or len(area) > AREA_MAX_CHARS
            or (tier and tier not in _TIERS) or (status and status not in _STATUSES)
            or (severity and severity not in _SEVERITIES)
            or (segment and segment not in _SEGMENTS) or (sla and sla not in _SLAS)
            or sort not in queue.SORTS or owner is False or account is False):
        return None
    return queue.QueueQuery(
        view=view or queue.DEFAULT_VIEW,
        tier=_TIERS[tier] if tier else None,
        owner=owner,
        status=_STATUSES[status] if status else None,
        severity=_SEVERITIES[severity] if severity else None,
        area=area or None,
        segment=_SEGMENTS[segment] if segment else None,
        organization=account,
        sla=sla or None,
        search=search.strip(),
        sort=sort,
        page=bounded_int(get("page", "") or "1", low=1, high=MAX_PAGE) or 1,
    )
