"""Password validators whose messages the project translates itself.

Django 5.2's MinimumLengthValidator builds its message from a msgid ("... at least %d
characters.") that its own zh_Hans catalog does not carry yet, so users saw it in English.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
