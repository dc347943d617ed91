"""The portal's Flask class remembers `ensure_sync`'s answer per function, and still answers
as Flask does."""

import pytest
from flask import Flask


def test_a_plain_function_is_its_own_sync_version(app):
    def hook():
        return None

    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook) is hook


def test_an_async_function_is_wrapped_as_flask_wraps_it(app):
    async def view():
        return "done"

    try:
        expected = Flask(__name__).ensure_sync(view)
    except RuntimeError:  # Flask's own answer without its async extra: the same refusal
        with pytest.raises(RuntimeError):
            app.ensure_sync(view)
        return
    wrapped = app.ensure_sync(view)
    assert wrapped is not view and wrapped() == expected() == "done"
