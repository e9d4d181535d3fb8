"""Django's own messages said as Hong Kong writes them: Django's zh_Hant catalogue is
Taiwan's ("這個欄位是必須的。"); these msgids make makemessages put them in our catalogue,
which LOCALE_PATHS puts before Django's. Never imported: only read by makemessages."""

from __future__ import annotations

from django.utils.translation import gettext_noop

OVERRIDES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date."),
)
