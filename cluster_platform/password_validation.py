"""Password validators whose messages the project translates itself.

Django 5.2's MinimumLengthValidator builds its message from a msgid ("... at least %d
characters.") that its own zh_Hans catalog does not carry yet, so users saw it in English.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


# Long enough for any passphrase or generated password; short enough that hashing a submitted
# password (Argon2 on every login attempt) costs nothing unusual. The API refuses longer ones
# before any hashing (the password fields' max_length); this validator covers the other paths.
MAX_PASSWORD_LENGTH = 128


class MaximumLengthValidator:
    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(self.get_error_message(), code="password_too_long")

    def get_error_message(self):
        return gettext("This password is too long. It must contain at most %(max_length)d characters.") % {
            "max_length": self.max_length
        }

    def get_help_text(self):
        return self.get_error_message()


class NotOnlyWhitespaceValidator:
    """Eight spaces pass the length check and are in no list of common passwords, yet are no secret."""

    def validate(self, password, user=None):
        if not password.strip():
            raise ValidationError(
                gettext("This password holds only spaces. Use letters, digits or symbols."),
                code="password_only_whitespace",
            )

    def get_help_text(self):
        return gettext("Your password cannot consist of spaces only.")
