"""Django's own messages said as Hong Kong writes them: Django's zh_Hant catalogue is
Taiwan's ("這個欄位是必須的。"); these msgids make makemessages put them in our catalogue,
which LOCALE_PATHS puts before Django's. Never imported: only read by makemessages."""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

OVERRIDES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    # The change-password page (django.contrib.auth): 個人資訊 is Taiwan's.
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("New password confirmation"),
    gettext_noop("Enter the same password as before, for verification."),
)

PLURAL_OVERRIDES = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
