"""The sign-in and invitation forms."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.forms import PortalForm


@cache
def _timezone_choices() -> list[SelectChoice]:
    zones = sorted(z for z in available_timezones()
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix", "right")))
    return [SelectChoice("", "My organization's timezone"),
            *(SelectChoice(z, z.replace("_", " ")) for z in zones)]


class LoginForm(PortalForm):
    """Email first: a post without a password field is the first step (the page then offers
    single sign-on and/or the password); email and password together sign in at once."""

    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Email(),
                                            Length(max=254)])
    password = PasswordField("Password", validators=[Length(max=1024)])
    submit = SubmitField("Sign in")

    @property
    def is_first_step(self) -> bool:
        return not self.password.raw_data

    def validate_password(self, field):
        if field.raw_data and not field.data:
            raise ValidationError("Enter your password.")


class SingleSignOnForm(PortalForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Email(),
                                            Length(max=254)])


class AcceptInvitationForm(PortalForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."),
                                                Length(max=200)])
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=1024,
                           message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
    )
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Repeat the password."),
        EqualTo("password", message="The two passwords are different."),
    ])
    timezone = SelectField("Your timezone (optional)", default="",
                           description="Times in the portal are shown in this timezone.")
    submit = SubmitField("Create my account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()
