"""What one report may hold, checked when a review is saved — before any HTML is built.

A report is printed, not scrolled: a table of 4,000 columns or a list nested a thousand deep
cannot be shown (WeasyPrint lays out every column; the Markdown parser stops at its nesting
bound and drops what is inside). So content the renderer cannot show is refused at save, by
the field that holds it, in a sentence that says what to change — never dropped silently and
never found out at publication. The renderer's byte limit (`rendering.MAX_HTML_BYTES`) stays
as the last fence; these bounds keep a saved review well inside it.

`check_report` reads the Markdown's structure (markdown-it tokens), not its words: a review
that talks about "colspan=100000" or shows a nested list in a code block is fine.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.markdown import parse_markdown
from portal.operations import OperationError

MAX_FIELD_CHARS = 20_000
MAX_HIGHLIGHT_CHARS = 2_000
MAX_TOTAL_CHARS = 60_000
MAX_NESTING = 6  # lists and quotes, counted together
MAX_TABLE_COLUMNS = 10
MAX_TABLE_CELLS = 500
MAX_REPORT_CELLS = 2_000

_NESTING_OPEN = {"bullet_list_open", "ordered_list_open", "blockquote_open"}
_NESTING_CLOSE = {"bullet_list_close", "ordered_list_close", "blockquote_close"}


@dataclass(frozen=True)
class Part:
    """One piece of user text that goes into the report: `field` is the form field that shows
    a refusal ("root_cause", "highlights-2-text"), `label` how a sentence names it."""

    field: str | None
    label: str
    text: str
    max_chars: int = MAX_FIELD_CHARS
    advice: str = "Shorten it."
    #: How a refusal shown beside the field starts ("This field"); else the label.
    subject: str | None = None

    @property
    def named(self) -> str:
        return self.subject or self.label


@dataclass(frozen=True)
class Shape:
    """What the renderer will have to lay out for one text."""

    depth: int = 0  # deepest list/quote nesting
    widest: int = 0  # most columns of one table
    largest: int = 0  # most cells of one table
    cells: int = 0  # cells of every table


def shape_of(text: str) -> Shape:
    """The nesting depth and table sizes of `text` as Markdown (parsed, not rendered)."""
    depth = deepest = 0
    widest = largest = cells = 0
    table_cells = row_cells = 0
    for token in parse_markdown(text):
        if token.type in _NESTING_OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.type in _NESTING_CLOSE:
            depth -= 1
        elif token.type == "table_open":
            table_cells = 0
        elif token.type == "tr_open":
            row_cells = 0
        elif token.type in ("th_open", "td_open"):
            row_cells += 1
            table_cells += 1
        elif token.type == "tr_close":
            widest = max(widest, row_cells)
        elif token.type == "table_close":
            largest = max(largest, table_cells)
            cells += table_cells
    return Shape(depth=deepest, widest=widest, largest=largest, cells=cells)


def _n(number: int) -> str:
    return f"{number:,}"


def check_length(part: Part) -> None:
    """Raises OperationError (naming `part.field`) for a text over its length."""
    if len(part.text) > part.max_chars:
        raise OperationError(
            f"{part.named} is {_n(len(part.text))} characters long; it may have at most "
            f"{_n(part.max_chars)}. {part.advice}",
            part.field,
        )


def check_part(part: Part) -> Shape:
    """Refuse one text the report cannot show; its shape otherwise.

    Raises OperationError (naming `part.field`) for a text over its length, lists or quotes
    nested too deep, or a table too wide or too large."""
    check_length(part)
    shape = shape_of(part.text)
    if shape.depth > MAX_NESTING:
        raise OperationError(
            f"{part.named} nests lists or quotes {shape.depth} levels deep; a report shows at "
            f"most {MAX_NESTING}. Bring the inner levels out.",
            part.field,
        )
    if shape.widest > MAX_TABLE_COLUMNS:
        raise OperationError(
            f"{part.named} has a table of {_n(shape.widest)} columns; a report shows at most "
            f"{MAX_TABLE_COLUMNS}. Split the table or turn it round.",
            part.field,
        )
    if shape.largest > MAX_TABLE_CELLS:
        raise OperationError(
            f"{part.named} has a table of {_n(shape.largest)} cells; a report table holds at "
            f"most {_n(MAX_TABLE_CELLS)}. Keep the rows that matter.",
            part.field,
        )
    return shape


def fits(text: str, max_chars: int) -> bool:
    """Whether a report could show `text` on its own (`check_part` without the refusal)."""
    try:
        check_part(Part(None, "", text, max_chars))
    except OperationError:
        return False
    return True


def check_report(parts: list[Part]) -> None:
    """Refuse a report whose texts, one by one or together, the renderer cannot show.

    Raises OperationError by the first part at fault; for the report's total length or its
    tables' total size, by the part that goes over (the total has no field of its own)."""
    total = cells = 0
    for part in parts:
        shape = check_part(part)
        total += len(part.text)
        cells += shape.cells
        if cells > MAX_REPORT_CELLS:
            raise OperationError(
                f"With {part.label}, the report's tables hold {_n(cells)} cells; a report holds "
                f"at most {_n(MAX_REPORT_CELLS)}. Shorten a table.",
                part.field,
            )
    if total > MAX_TOTAL_CHARS:
        longest = sorted(parts, key=lambda p: len(p.text), reverse=True)[:3]
        named = ", ".join(f"{p.label} ({_n(len(p.text))})" for p in longest)
        raise OperationError(
            f"The report's text is {_n(total)} characters in all; a report holds at most "
            f"{_n(MAX_TOTAL_CHARS)}. The longest parts: {named}."
        )
