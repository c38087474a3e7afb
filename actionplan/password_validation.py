"""
Password rules the project adds to Django's.

Django 5.2 reworded the too-short message ("%d" for "%(min_length)d") and its
Simplified Chinese catalogue has not caught up, so the stock validator speaks
English to our users. This subclass words the message in our own catalogue.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.utils.translation import ngettext


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "The password is too short: it must have at least %(min_length)d character.",
            "The password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
