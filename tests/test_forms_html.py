"""Every <input> is drawn through portal.forms.html_params now: it reads exactly as WTForms'
own html_params drew it, for every kind of attribute and value."""

import pytest
from markupsafe import Markup
from wtforms import widgets
from wtforms.widgets.core import html_params as wtforms_html_params

from portal.customer.forms import NotificationPreferenceForm
from portal.forms import html_params

CASES = [
    {},
    {"name": "email", "id": "email", "type": "email", "value": "a@b.c"},
    {"checked": True, "readonly": False, "required": True, "name": "x", "value": ""},
    {"class_": "btn", "for_": "f", "data_copy_from": "feed-updates", "aria_describedby": "a b",
     "aria-invalid": "true", "data-x_y": "1"},
    {"value": '<script>"quote" & \'apos\'</script>', "title": "x>y"},
    {"value": Markup('already "safe" <b>'), "placeholder": Markup("&amp;")},
    {"value": None, "maxlength": 20, "min": 0, "step": 0.5, "size": -1},
    {"z": "last", "a": "first", "M": "upper"},
]


@pytest.mark.parametrize("attributes", CASES)
def test_attributes_read_as_wtforms_drew_them(attributes):
    assert str(html_params(**attributes)) == str(wtforms_html_params(**attributes))
    assert isinstance(html_params(**attributes), Markup)


def test_inputs_use_it(app):
    """A form's inputs (radio choices, the CSRF token) are drawn through it, unchanged."""
    assert widgets.Input.html_params is html_params
    with app.test_request_context("/"):
        form = NotificationPreferenceForm(preference="daily_digest")
        drawn = [str(choice()) for choice in form.preference] + [str(form.csrf_token())]
        widgets.Input.html_params = staticmethod(wtforms_html_params)
        try:
            before = [str(choice()) for choice in form.preference] + [str(form.csrf_token())]
        finally:
            widgets.Input.html_params = staticmethod(html_params)
    assert drawn == before and 'checked' in drawn[1]
