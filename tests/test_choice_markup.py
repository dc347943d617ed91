"""The notification settings fragment draws its form with the Python globals (csrf_field,
form_errors, chosen_field, submit_button) byte for byte as the macros drew it
(tests/fixtures/notification_settings_before.html): blank, either choice, refused (with
errors), after a save; and `chosen_field` remembers only fields without errors."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal import choice_markup
from portal.customer.forms import NotificationPreferenceForm
from portal.customer.notification_reads import MutedEscalation

FIXTURES = Path(__file__).parent / "fixtures"
FRAGMENT = "customer/_notification_settings.html"
VIEWER = SimpleNamespace(organization=SimpleNamespace(name="Acme <& Co>"), is_authenticated=True)


def _both(app, form, **context):
    before = app.jinja_env.from_string((FIXTURES / "notification_settings_before.html")
                                       .read_text())
    context = {"form": form, "current_user": VIEWER, "confirmation": None, "muted": [], **context}
    return app.jinja_env.get_template(FRAGMENT).render(context), before.render(context)


@pytest.mark.parametrize("preference", ["immediate", "digest", None, "unknown <value>"])
@pytest.mark.parametrize("confirmation", [None, "You will get one digest email a day."])
def test_a_form_with_data_draws_as_the_macros_drew_it(app, preference, confirmation):
    muted = [MutedEscalation("ESC-00042", "Disk <full>")] if preference == "digest" else []
    with app.test_request_context("/account/notifications"):
        for _ in range(2):  # drawn, then remembered
            new, old = _both(app, NotificationPreferenceForm(preference=preference),
                             confirmation=confirmation, muted=muted)
            assert new == old
            assert 'name="csrf_token"' in new


def test_a_refused_form_draws_as_the_macros_drew_it(app):
    with app.test_request_context("/account/notifications", method="POST"):
        form = NotificationPreferenceForm(formdata=MultiDict({"preference": "weekly"}))
        assert not form.validate()
        new, old = _both(app, form)
        assert new == old and "has-error" in new


def test_only_fields_without_errors_are_remembered(app):
    with app.test_request_context("/account/notifications", method="POST"):
        form = NotificationPreferenceForm(formdata=MultiDict({"preference": "weekly"}))
        form.validate()
        choice_markup._DRAWN._entries.clear()
        choice_markup.chosen_field(form.preference)
        assert not choice_markup._DRAWN._entries
        choice_markup.chosen_field(NotificationPreferenceForm(preference="digest").preference)
        assert len(choice_markup._DRAWN._entries) == 1
