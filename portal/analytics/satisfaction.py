"""CSAT: the one-question survey customers answer after resolution (1–5). Satisfied means 4 or
5; the CSAT score is the satisfied share, counted in the month of the answer."""

from __future__ import annotations

from sqlalchemy import case, func, select

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of
from portal.escalations.models import Escalation, SurveyResponse
from portal.extensions import db

SATISFIED_FROM = 4


def responses(filters: AnalyticsFilter) -> Counts:
    """`responses`, `satisfied` and `score_sum` per (month, group)."""
    month = month_of(SurveyResponse.created_at)
    rows = db.session.execute(
        select(
            month,
            *filters.group_select(),
            func.count(),
            func.sum(case((SurveyResponse.score >= SATISFIED_FROM, 1), else_=0)),
            func.sum(SurveyResponse.score),
        )
        .select_from(SurveyResponse)
        .join(Escalation, Escalation.id == SurveyResponse.escalation_id)
        .where(filters.within(SurveyResponse.created_at), *filters.escalation_criteria())
        .group_by(month, *filters.grouping())
    ).all()
    return collect(rows, ("responses", "satisfied", "score_sum"), grouped=filters.grouped)
