"""The shape every figure query answers in: counts per (month, group), summed into the period
and into "all groups" by `rollup`. Sums and counts add up; means are sums over counts; only the
90th percentiles are computed per bucket by their own query (`timing`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from portal.analytics.filters import ALL, PERIOD

Key = tuple[str, str]  # (month `YYYY-MM` or PERIOD, group key or ALL)
Counts = dict[Key, Counter]


def collect(rows: Iterable, names: tuple[str, ...]) -> Counts:
    """Rows of (month, group, *values) as counters named `names`, per key."""
    counts: Counts = defaultdict(Counter)
    for month, group, *values in rows:
        counter = counts[(month, group)]
        for name, value in zip(names, values, strict=True):
            counter[name] += int(value or 0)  # PostgreSQL sums bigints as numeric
    return counts


def rollup(counts: Counts) -> Counts:
    """Add the period's totals and the all-groups totals to per-(month, group) counts."""
    total: Counts = defaultdict(Counter)
    for (month, group), counter in counts.items():
        for key in {(month, group), (month, ALL), (PERIOD, group), (PERIOD, ALL)}:
            total[key].update(counter)
    return total
