"""The stylesheets parse as written: every rule closes where it should. A lost "}" does not
break a page loudly: the browser reads every rule after it as nested inside the unclosed one
(CSS nesting), so they silently match nothing (it happened: a merge left `.row-override`
open, and the feed links' and the delivery log's styles after it never applied)."""

from __future__ import annotations

from pathlib import Path

import pytest
import tinycss2

STYLESHEETS = sorted((Path(__file__).parent.parent / "portal" / "static" / "css").glob("*.css"))


def _nested_blocks(rules, where: str = ""):
    """(selector, line) of every qualified rule that holds a `{…}` block: nesting, which the
    house style does not use, so one is always a missing brace."""
    for rule in rules:
        if rule.type == "qualified-rule":
            selector = tinycss2.serialize(rule.prelude).strip()
            if any(token.type == "{} block" for token in rule.content):
                yield f"{where}{selector}", rule.source_line
        elif rule.type == "at-rule" and rule.content is not None:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                             skip_whitespace=True)
            yield from _nested_blocks(inner, f"@{rule.at_keyword} ")


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_every_rule_closes_where_it_should(path):
    rules = tinycss2.parse_stylesheet(path.read_text(), skip_comments=True,
                                      skip_whitespace=True)
    errors = [(rule.source_line, rule.message) for rule in rules if rule.type == "error"]
    assert errors == []
    assert list(_nested_blocks(rules)) == []


def test_there_are_stylesheets_to_check():
    assert {path.name for path in STYLESHEETS} >= {"portal.css", "live.css",
                                                   "small-screens.css"}
