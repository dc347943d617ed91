"""The shape every figure query answers in: counts per (month, group), summed into the period
and into "all groups" by `rollup`. Sums and counts add up; means are sums over counts; only the
90th percentiles are computed per bucket by their own query (`timing`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from portal.analytics.filters import ALL, PERIOD, group_key, month_key

Key = tuple[str, str]  # (month `YYYY-MM` or PERIOD, group key or ALL)
Counts = dict[Key, Counter]


def collect(rows: Iterable, names: tuple[str, ...], *, grouped: bool) -> Counts:
    """Rows of (month's first day, [group value if `grouped`], *values) as counters named
    `names`, per key."""
    counts: Counts = defaultdict(Counter)
    for row in rows:
        month, *rest = row
        group = group_key(rest.pop(0)) if grouped else ALL
        counter = counts[(month_key(month), group)]
        values = rest
        for name, value in zip(names, values, strict=True):
            counter[name] += int(value or 0)  # PostgreSQL sums bigints as numeric
    return counts


def collect_buckets(rows: Iterable, names: tuple[str, ...]) -> Counts:
    """Rows of (kind, month's first day or NULL, group value or NULL, *values) already per
    shown bucket: kind 1 a month of all groups, 2 a group over the period, 3 the period."""
    counts: Counts = defaultdict(Counter)
    for kind, month, group, *values in rows:
        key = {
            1: (month_key(month) if month else "", ALL),
            2: (PERIOD, group_key(group)),
            3: (PERIOD, ALL),
        }[kind]
        for name, value in zip(names, values, strict=True):
            if value is not None:
                counts[key][name] = int(value)
    return counts


def rollup(counts: Counts) -> Counts:
    """Add the period's totals and the all-groups totals to per-(month, group) counts."""
    total: Counts = defaultdict(Counter)
    for (month, group), counter in counts.items():
        for key in {(month, group), (month, ALL), (PERIOD, group), (PERIOD, ALL)}:
            total[key].update(counter)
    return total
