from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MixedCharacterValidator:
    """A password must mix letters and digits: the other validators allow 'aaaaaaaaaa'."""

    def validate(self, password, user=None):
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if not (has_letter and has_digit):
            raise ValidationError(_("The password must contain both letters and digits."), code="password_not_mixed")

    def get_help_text(self):
        return _("Your password must contain both letters and digits.")
