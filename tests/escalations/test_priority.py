"""The composite priority score is transparent: 0–100 and a breakdown that adds up."""

from portal.enums import ReputationalRisk, Segment
from portal.escalations.priority import DEFAULT_WEIGHTS, PriorityInputs, compute_priority


def _inputs(**overrides):
    values = dict(severity=1, users_affected=1000, core_operations_blocked=True,
                  segment=Segment.STRATEGIC, annual_revenue=500_000_000,
                  reputational_risk=ReputationalRisk.HIGH)
    values.update(overrides)
    return PriorityInputs(**values)


def test_worst_case_scores_100_and_breakdown_adds_up():
    """Everything at its worst is 100, and the parts shown sum to the score."""
    score, breakdown = compute_priority(_inputs())
    assert score == 100
    assert round(sum(breakdown.values())) == score
    assert set(breakdown) == set(DEFAULT_WEIGHTS)


def test_lower_severity_and_smaller_customer_score_lower():
    """A Sev 4 for a small growth customer ranks well below a Sev 1 for a strategic one."""
    high, _ = compute_priority(_inputs())
    low, _ = compute_priority(_inputs(severity=4, segment=Segment.GROWTH, users_affected=3,
                                      core_operations_blocked=False, annual_revenue=500_000,
                                      reputational_risk=ReputationalRisk.LOW))
    assert 0 <= low < 30 < high


def test_weights_change_the_score():
    """Administrators' weights are honoured."""
    inputs = _inputs(severity=4, segment=Segment.STRATEGIC)
    default, _ = compute_priority(inputs)
    segment_heavy, breakdown = compute_priority(
        inputs, {**DEFAULT_WEIGHTS, "segment": 80, "severity": 5})
    assert segment_heavy > default
    assert breakdown["segment"] > breakdown["severity"]
