"""A submitted form runs its operation the same way on every page, console and portal alike.

    outcome = submit(form, lambda: ops.add_milestone(...), done="Milestone added.")
    if outcome.ok:
        return redirect(...)
    return render_template(..., form=form), 422

`submit` validates the form, runs the operation, and then either commits once (and flashes
`done`) or, when the form or the operation refuses, rolls back so nothing half-written stays
and puts the operation's message beside the field it names. A `PermissionError` from the
operation answers 403. The view decides only where to go and what to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash
from wtforms import FieldList, FormField

from portal.extensions import db
from portal.operations import OperationError


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None  # what the operation returned, or the OperationError it raised


def submit(form, operation: Callable[[], Any], *, done: str | None = None,
           validate: Callable[[], bool] | None = None, default_field: str | None = None,
           refusals: tuple[type[Exception], ...] = (OperationError,)) -> Outcome:
    """Validate `form` (with `validate` when the page checks more than the form does), run
    `operation`, then commit or roll back."""
    if not (validate or form.validate)():
        db.session.rollback()
        return Outcome(False)
    outcome = run(operation, refusals=refusals)
    if not outcome.ok:
        attach_error(form, outcome.value, default_field=default_field)
    elif done:
        flash(done, "success")
    return outcome


def run(operation: Callable[[], Any], *,
        refusals: tuple[type[Exception], ...] = (OperationError,)) -> Outcome:
    """Run an operation in the request's transaction: commit once when it is done, roll back
    when it refuses (the Outcome then carries the refusal: an OperationError, or what else the
    caller names in `refusals`), 403 on PermissionError. For refusals shown elsewhere than
    beside a field (a row's note, a flash)."""
    try:
        value = operation()
    except refusals as error:
        db.session.rollback()  # nothing of a refused change stays behind
        return Outcome(False, error)
    except PermissionError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return Outcome(True, value)


def attach_error(form, error: Exception, *, default_field: str | None = None) -> None:
    """Show a refusal beside the field it names ("sev1-acknowledge" names a sub-form's field,
    "highlights-2-text" a field of a list's third row), else beside `default_field`, else
    above the form."""
    name = getattr(error, "field", None) or default_field
    target = form
    for part in name.split("-") if name else ():
        try:
            target = target[int(part)] if part.isdigit() else target[part]
        except (KeyError, IndexError, TypeError):
            target = None
            break
    if target is None or target is form or isinstance(target, FormField | FieldList):
        form.form_errors.append(str(error))
    else:
        target.errors = [*target.errors, str(error)]


def perform(operation: Callable[[], Any], *, done: str | None = None) -> bool:
    """A button's operation (no fields to show a refusal beside): commit and flash `done` (if
    given), or roll back and flash the refusal. True when it was done."""
    outcome = run(operation)
    if not outcome.ok:
        flash(str(outcome.value), "error")
    elif done:
        flash(done, "success")
    return outcome.ok
