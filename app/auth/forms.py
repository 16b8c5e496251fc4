"""Sign-in, invitation and registration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from app.auth.services import EMAIL_MAX, is_valid_email, normalize_email
from app.forms import CleanStringField
from app.models.user import PUBLIC_NAME_MAX

DISPLAY_NAME_MAX = 80


def _email_shape(_form: FlaskForm, field: EmailField) -> None:
    if field.data and not is_valid_email(normalize_email(field.data)):
        raise ValidationError(_l("Enter an e-mail address such as name@example.org."))


def _password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use %(min)d to %(max)d characters; a few unrelated words work well.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        description=_l("At least %(min)d characters.", min=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=EMAIL_MAX)])
    # The upper bound is checked before hashing; see passwords.PASSWORD_MAX.
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    submit = SubmitField(_l("Sign in"))


class AcceptInviteForm(FlaskForm):
    token = CleanStringField(
        _l("Invitation code"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Filled in from your invitation link; you can also paste the code."),
    )
    display_name = CleanStringField(
        _l("Display name"),
        validators=[DataRequired(), Length(max=DISPLAY_NAME_MAX)],
        description=_l(
            "Private: only you and the site's admins see it. Your events show a public "
            "name you choose for each one, or on your account page."
        ),
    )
    password, confirm = _password_fields()
    submit = SubmitField(_l("Create my account"))


class RegisterForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Length(max=EMAIL_MAX), _email_shape]
    )
    display_name = CleanStringField(
        _l("Display name"),
        validators=[DataRequired(), Length(max=DISPLAY_NAME_MAX)],
        description=_l(
            "Private: only you and the site's admins see it. Your events show a public "
            "name you choose for each one, or on your account page."
        ),
    )
    password, confirm = _password_fields()
    accept = BooleanField(
        _l("I will only publish events I organise myself."), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Create my account"))


class ConfirmRegistrationForm(FlaskForm):
    """The code of a mailed registration link (a signed token, so longer than an invite's)."""

    token = CleanStringField(
        _l("Confirmation code"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Filled in from the link in your e-mail; you can also paste the code."),
    )
    submit = SubmitField(_l("Create my account"))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Organizer's e-mail"),
        validators=[DataRequired(), Length(max=EMAIL_MAX), _email_shape],
    )
    submit = SubmitField(_l("Create invitation link"))


class AccountForm(FlaskForm):
    """The account's public name: optional, the default "organized by" of new events."""

    public_name = CleanStringField(
        _l("Public name (shown to everyone)"),
        validators=[Length(max=PUBLIC_NAME_MAX)],
        description=_l(
            'A group name or a pseudonym. New events show it as "Organized by" on their '
            "pages, in calendars and in link previews, for everyone to see. Do not use your "
            "real name: these gatherings are filmed. Leave it empty to show the site's name."
        ),
    )
    submit = SubmitField(_l("Save"))


class SecondFactorForm(FlaskForm):
    """The second step of signing in: a code of the authenticator app, or a recovery code."""

    code = CleanStringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
    )
    submit = SubmitField(_l("Sign in"))


class EnrolForm(FlaskForm):
    """Confirms a new key with the first code the authenticator app shows."""

    code = CleanStringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("The 6-digit code the app shows for this site now."),
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class DisableSecondFactorForm(FlaskForm):
    """Turning the second factor off needs a current code (or a recovery code)."""

    code = CleanStringField(
        _l("Current code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("A code from your authenticator app, or one of your recovery codes."),
    )
    submit = SubmitField(_l("Turn off two-step sign-in"))
