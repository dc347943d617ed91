"""The portal's Flask class remembers `ensure_sync`'s answer per function, and still answers
as Flask does; its templates read the Jinja environment's globals as they are."""

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


def test_templates_read_the_environments_globals_as_they_are(app):
    """A template already loaded sees a global added to the environment afterwards (and one
    taken away), as through Jinja's own ChainMap; globals given to one template stay its own."""
    template = app.jinja_env.from_string("{{ added_later is defined }}")
    assert template.render() == "False"
    app.jinja_env.globals["added_later"] = 1
    try:
        assert template.render() == "True"
    finally:
        del app.jinja_env.globals["added_later"]
    assert template.render() == "False"
    own = app.jinja_env.from_string("{{ mine }}|{{ link_to is defined }}", globals={"mine": 7})
    assert own.render() == "7|True" and "mine" not in app.jinja_env.globals
