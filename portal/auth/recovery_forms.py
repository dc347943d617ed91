"""The forgot-password and reset-password forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.forms import PortalForm


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class ForgotPasswordForm(PortalForm):
    email = EmailField("Email", filters=[_stripped],
                       validators=[DataRequired("Give your email address."),
                                   Email("Give an email address, like name@example.com."),
                                   Length(max=254)])
    submit = SubmitField("Email me a link")


def new_password_field(label: str) -> PasswordField:
    """A new password, with the strength rule of invitations (MIN_PASSWORD_LENGTH)."""
    return PasswordField(
        label,
        validators=[DataRequired("Choose a password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=1024,
                           message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
    )


class ResetPasswordForm(PortalForm):
    password = new_password_field("New password")
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Repeat the password."),
        EqualTo("password", message="The two passwords are different."),
    ])
    submit = SubmitField("Set my new password")
