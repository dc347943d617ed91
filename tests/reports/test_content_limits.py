"""Hostile or merely large review content: refused at save, by the field, in a sentence —
before any HTML is built — and what is shown is sanitized by structure, never by words."""

from __future__ import annotations

import re

import pytest

from portal.enums import Role
from portal.markdown import render_markdown
from portal.operations import OperationError
from portal.reports import limits
from portal.reports import operations as reports
from portal.reports.models import Review
from portal.reports.rendering import clamp_spans, review_html
from tests.reports.test_content import sample_content

WIDE_TABLE = "|a" * 4000 + "|\n" + "|-" * 4000 + "|\n"


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _save(client, auth, world, **fields):
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review"
    data = {
        "csrf_token": _token(client, path),
        "executive_summary": "Down for an hour.",
        "root_cause": "Certificate.",
        **fields,
    }
    response = client.post(path, data=data)
    return response, response.get_data(as_text=True)


def _error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="{field_id}-error">(.*?)</ul>', html, re.S)
    assert match, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_a_table_of_4000_columns_is_refused_at_save(client, auth, world, published, as_staff):
    """A 4,000-column table (within the field's length) is refused beside its field, saying how
    many columns a report shows; nothing is saved."""
    assert len(WIDE_TABLE) < limits.MAX_FIELD_CHARS
    response, html = _save(client, auth, world, root_cause=WIDE_TABLE)
    assert response.status_code == 422
    assert _error_beside(html, "root_cause") == (
        "Error: This field has a table of 4,000 columns; a report shows at most 10. Split the "
        "table or turn it round."
    )
    with as_staff() as session:
        assert session.get(Review, published.review_a.id).root_cause != WIDE_TABLE


def test_a_table_of_too_many_cells_is_refused(world):
    """Ten columns are fine; 60 rows of them are more than one report table holds."""
    rows = "".join("|" + "x|" * 10 + "\n" for _ in range(60))
    table = "|" + "h|" * 10 + "\n|" + "-|" * 10 + "\n" + rows
    with pytest.raises(OperationError, match="table of 610 cells; a report table holds at most"):
        limits.check_report([limits.Part("lessons_learned", "Lessons learned", table)])
    half = "|" + "h|" * 10 + "\n|" + "-|" * 10 + "\n" + rows[: len(rows) // 2]
    parts = [limits.Part(name, name, half) for name in "abcdefg"]
    with pytest.raises(OperationError, match="the report's tables hold 2,170 cells") as refused:
        limits.check_report(parts)
    assert refused.value.field == "g"


def test_lists_nested_too_deep_are_refused_not_dropped(client, auth, world, published):
    """Quotes and lists nested past six levels would lose their inner text in the report: the
    save is refused beside the field instead. Six levels are fine."""
    deep = "".join("  " * level + "- level\n" for level in range(40)) + "> " * 40 + "inner"
    response, html = _save(client, auth, world, lessons_learned=deep)
    assert response.status_code == 422
    assert "This field nests lists or quotes" in _error_beside(html, "lessons_learned")
    assert "a report shows at most 6" in _error_beside(html, "lessons_learned")
    six = "> " * 3 + "- a\n" + "> " * 3 + "  - b\n" + "> " * 3 + "    - c"
    assert limits.shape_of(six).depth == 6
    limits.check_part(limits.Part("root_cause", "Root cause", six))


def test_words_about_colspan_are_printed_as_written(app):
    """A review that says colspan=100000 keeps its words; the report's own tags keep their
    spans, and a tag's span is still clamped."""
    content = sample_content(root_cause="We set colspan=100000 and rowspan='7000' by mistake.")
    with app.test_request_context():
        html = clamp_spans(review_html(content))
    assert "We set colspan=100000 and rowspan='7000' by mistake." in html
    assert 'colspan="2"' in html
    assert clamp_spans('<td colspan="100000">x</td>') == '<td colspan="100">x</td>'
    assert clamp_spans('<td title="colspan=100000">x</td>') == '<td title="colspan=100000">x</td>'


def test_an_image_leaves_its_alt_text():
    """The sanitizer drops images; the reader still learns what was there."""
    html = render_markdown("See ![the *network* diagram](https://example.com/net.png) above.")
    assert "<img" not in html
    assert "See [Image: the network diagram] above." in html
    assert "[Image]" in render_markdown("![](https://example.com/x.png)")


def test_oversize_is_refused_before_building_with_a_sentence(world, as_staff):
    """Three full fields and more go past the report's total: refused by the operation (no
    HTML is built on save) in a sentence that names the longest parts."""
    with as_staff() as session:
        agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
        from tests.reports.conftest import resolve

        escalation = session.merge(world.escalation_a)
        resolve(escalation, agent)
        review = reports.start_review(escalation, actor=agent)
        full = "word " * 4000
        with pytest.raises(OperationError) as refused:
            reports.save_review(
                review,
                actor=agent,
                values={
                    "executive_summary": full,
                    "customer_impact": full,
                    "root_cause": full,
                    "contributing_factors": "more " * 1000,
                },
            )
        assert re.fullmatch(
            r"The report's text is 6\d,\d{3} characters in all; a report holds at most "
            r"60,000\. The longest parts: Executive summary \(19,999\), Customer impact "
            r"\(19,999\), Root cause \(19,999\)\.",
            str(refused.value),
        )
        with pytest.raises(OperationError) as refused:
            reports.save_review(review, actor=agent, values={"root_cause": "x" * 20_001})
        assert str(refused.value) == (
            "This field is 20,001 characters long; it may have at most 20,000. Shorten it."
        )
        assert refused.value.field == "root_cause"
        session.rollback()


def test_an_over_long_field_says_so_beside_it(client, auth, world, published):
    """The console's own length check speaks in a sentence too."""
    response, html = _save(client, auth, world, customer_impact="x" * 20_001)
    assert response.status_code == 422
    assert _error_beside(html, "customer_impact") == (
        "Error: Keep customer impact within 20,000 characters."
    )


def test_a_highlight_too_long_is_a_sentence_by_its_field(client, auth, world, published):
    """An over-long highlight shows a sentence beside that row's text and in the summary
    (linked to it) — never the form's nested errors."""
    response, html = _save(
        client,
        auth,
        world,
        **{
            "highlights-0-at": "2026-11-02 14:05",
            "highlights-0-text": "fine",
            "highlights-1-at": "2026-11-02 14:06",
            "highlights-1-text": "x" * 2001,
        },
    )
    assert response.status_code == 422
    assert _error_beside(html, "highlights-1-text") == (
        "Error: Keep each highlight within 2,000 characters."
    )
    assert (
        '<a href="#highlights-1-text">What happened: Keep each highlight within 2,000 '
        "characters.</a>"
    ) in html
    assert "{&#39;" not in html and "{'" not in html


def test_a_highlight_the_report_cannot_show_is_refused_by_its_row(client, auth, world, published):
    """The operation's refusal of a highlight lands beside that row's text, and the summary
    above the form links to it."""
    response, html = _save(
        client,
        auth,
        world,
        **{
            "highlights-0-at": "2026-11-02 14:05",
            "highlights-0-text": "fine",
            "highlights-1-at": "",
            "highlights-1-text": "",
            "highlights-2-at": "2026-11-02 14:07",
            "highlights-2-text": "> " * 12 + "deep",
        },
    )
    assert response.status_code == 422
    assert _error_beside(html, "highlights-2-text").startswith(
        "Error: Timeline highlight 3 nests lists or quotes"
    )
    assert '<a href="#highlights-2-text">What happened: Timeline highlight 3 nests' in html
