"""The composite priority score: 0–100, always with its breakdown.

Each factor is scaled to 0..1 and weighted; weights sum to 100, so the score is the sum of
the weighted factors. Administrators tune the weights and the senior-involvement threshold
at runtime (the settings below, edited on the console's Priority page).
"""

from dataclasses import dataclass

from portal.enums import ReputationalRisk, Segment

DEFAULT_WEIGHTS: dict[str, int] = {
    "severity": 35,
    "business_impact": 25,
    "segment": 15,
    "revenue": 15,
    "reputational_risk": 10,
}

#: Runtime settings (portal.settings): the weights, and the score from which an escalation
#: needs senior involvement (routed to the Management tier, escalation managers told).
WEIGHTS_SETTING = ("priority.weights", DEFAULT_WEIGHTS)
THRESHOLD_SETTING = ("priority.senior_threshold", 75)

FACTOR_LABELS = {
    "severity": "Technical severity",
    "business_impact": "Business impact",
    "segment": "Customer segment",
    "revenue": "Annual revenue",
    "reputational_risk": "Reputational risk",
}

_SEVERITY = {1: 1.0, 2: 0.7, 3: 0.4, 4: 0.1}
_SEGMENT = {Segment.STRATEGIC: 1.0, Segment.ENTERPRISE: 0.6, Segment.GROWTH: 0.3}
_RISK = {ReputationalRisk.HIGH: 1.0, ReputationalRisk.MEDIUM: 0.5, ReputationalRisk.LOW: 0.0}
_REVENUE_STEPS = ((100_000_000, 1.0), (25_000_000, 0.75), (5_000_000, 0.5), (1_000_000, 0.25))


def usable_weights(value) -> dict[str, int]:
    """A stored weights value made safe to compute with: every factor present, integers
    (a factor missing from an older stored value weighs 0)."""
    if not isinstance(value, dict) or not value:
        return dict(DEFAULT_WEIGHTS)
    return {name: max(0, int(value.get(name, 0) or 0)) for name in DEFAULT_WEIGHTS}


@dataclass(frozen=True)
class PriorityInputs:
    severity: int
    users_affected: int
    core_operations_blocked: bool
    segment: Segment
    annual_revenue: int
    reputational_risk: ReputationalRisk


def _business_impact(users_affected: int, core_operations_blocked: bool) -> float:
    users = min(users_affected, 1000) / 1000
    return min(1.0, 0.6 * users + (0.4 if core_operations_blocked else 0.0))


def _revenue(annual_revenue: int) -> float:
    return next((share for floor, share in _REVENUE_STEPS if annual_revenue >= floor), 0.1)


def compute_priority(inputs: PriorityInputs, weights: dict[str, int] | None = None):
    """Return (score 0..100, breakdown {factor: points}) for the given inputs and weights."""
    weights = weights or DEFAULT_WEIGHTS
    total_weight = sum(weights.values()) or 1
    factors = {
        "severity": _SEVERITY[inputs.severity],
        "business_impact": _business_impact(inputs.users_affected, inputs.core_operations_blocked),
        "segment": _SEGMENT[inputs.segment],
        "revenue": _revenue(inputs.annual_revenue),
        "reputational_risk": _RISK[inputs.reputational_risk],
    }
    breakdown = {
        name: round(100 * weights.get(name, 0) * value / total_weight, 1)
        for name, value in factors.items()
    }
    score = max(0, min(100, round(sum(breakdown.values()))))
    return score, breakdown


# ------------------------------------------------------------------------ shown in the console
@dataclass(frozen=True)
class BarSegment:
    """One factor's stretch of the priority bar: where it starts (x) and how long it is."""

    key: str
    label: str
    points: float
    x: float

    @property
    def css(self) -> str:
        return self.key.replace("_", "-")

    @property
    def text(self) -> str:
        return points_text(self.points)


def points_text(value) -> str:
    """A factor's points as the console prints them: 35, 10.5 (one decimal at most)."""
    return "%g" % (round((value or 0) * 10) / 10)


def bar_segments(breakdown: dict | None) -> tuple[BarSegment, ...]:
    """The factors with points, in FACTOR_LABELS order, each starting where the last ended."""
    parts, x, segments = breakdown or {}, 0, []
    for key, label in FACTOR_LABELS.items():
        points = parts.get(key, 0) or 0
        if points > 0:
            segments.append(BarSegment(key, label, points, x))
            x += points
    return tuple(segments)


def in_words(breakdown: dict | None) -> str:
    """"Technical severity 35, business impact 10, customer segment 0, …": every factor."""
    parts = breakdown or {}
    return ", ".join(f"{label if n == 0 else label.lower()} {points_text(parts.get(key, 0))}"
                     for n, (key, label) in enumerate(FACTOR_LABELS.items()))
