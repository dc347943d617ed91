"""The profile page's forms: details and password. Each has its own prefix (details-,
password-), so the forms on one page never read each other's fields."""

from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.recovery_forms import new_password_field
from portal.forms import PortalForm


class ProfileForm(PortalForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."),
                                                Length(max=200)])
    timezone = StringField(
        "Time zone", validators=[Length(max=64)],
        # A searchable list (<datalist>): type "Berlin" or "New York". Checked server-side.
        render_kw={"list": "timezone-choices", "autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField("Save details")


class ChangePasswordForm(PortalForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Give your current password."), Length(max=1024)])
    new_password = new_password_field("New password")
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Repeat the new password."),
        EqualTo("new_password", message="The two passwords are different."),
    ])
    submit = SubmitField("Change password")
