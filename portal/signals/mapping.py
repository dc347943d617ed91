"""Mapping rules: which organization, product area and severity an alert's labels mean.

Rules are ordered; the first whose every `label=value` matches wins (a rule with no labels
matches everything). A part the winning rule leaves unset comes from the alert itself (the
generic payload's `organization` and `severity`, Alertmanager's `severity` label when it is a
known word), then from the integration's defaults. Staff write rules one per line:

    service=db env=prod -> organization=acme-logistics severity=1 product_area="Data platform"

Pure functions: parsed and matched here, stored by portal.signals.operations.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from portal.operations import OperationError

TARGETS = ("organization", "product_area", "severity")
SEVERITY_WORDS = {"critical": 1, "high": 2, "error": 2, "medium": 3, "warning": 3,
                  "low": 4, "info": 4}


@dataclass(frozen=True)
class Mapped:
    organization: str | None  # an organization slug
    product_area: str
    severity: int


def severity_of(value) -> int | None:
    """1–4 from a number or a word (critical, high, medium, low, warning, info); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 4 else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return severity_of(int(text))
        return SEVERITY_WORDS.get(text)
    return None


def parse_rules(text: str) -> list[dict]:
    """The rules typed in the console, as stored. Raises OperationError (field "rules") naming
    the line that cannot be read."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rules.append(_parse_line(line))
        except ValueError as exc:
            raise OperationError(f"Line {number}: {exc}", "rules") from None
    return rules


def _parse_line(line: str) -> dict:
    if "->" not in line:
        raise ValueError("write the labels, then -> and what they map to.")
    left, right = line.split("->", 1)
    match = dict(_pairs(left))
    then = dict(_pairs(right))
    unknown = set(then) - set(TARGETS)
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]} is not organization, product_area or severity.")
    if not then:
        raise ValueError("say what the labels map to.")
    if "severity" in then:
        severity = severity_of(then["severity"])
        if severity is None:
            raise ValueError("severity must be 1–4 or critical, high, medium, low.")
        then["severity"] = severity
    return {"match": match, **then}


def _pairs(text: str):
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    for word in words:
        if "=" not in word or word.startswith("="):
            raise ValueError(f"{word!r} is not name=value.")
        name, value = word.split("=", 1)
        yield name, value


def rules_text(rules: list[dict]) -> str:
    """The stored rules as the console shows them for editing (parse_rules reads it back)."""
    lines = []
    for rule in rules:
        left = " ".join(f"{name}={shlex.quote(str(value))}" for name, value in
                        rule.get("match", {}).items())
        right = " ".join(f"{name}={shlex.quote(str(rule[name]))}" for name in TARGETS
                         if name in rule)
        lines.append(f"{left} -> {right}".strip())
    return "\n".join(lines)


def first_match(rules: list[dict], labels: Mapping[str, str]) -> dict:
    for rule in rules:
        if all(labels.get(name) == value for name, value in rule.get("match", {}).items()):
            return rule
    return {}


def map_alert(rules: list[dict], labels: Mapping[str, str], *, organization: str | None,
              severity: int | None, default_organization: str | None,
              default_severity: int, default_product_area: str) -> Mapped:
    """Where an alert goes: the first matching rule, then the alert's own values, then the
    integration's defaults."""
    rule = first_match(rules, labels)
    return Mapped(
        organization=rule.get("organization") or organization or default_organization,
        product_area=rule.get("product_area") or default_product_area,
        severity=rule.get("severity") or severity or default_severity,
    )
