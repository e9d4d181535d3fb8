"""What a coding batch (``segment.batch`` in the audit log) is called: stored as a message id
and its values (the study's names), shown in the reader's language wherever it is shown (the
undo toast, the audit page), so a batch made by an English coder reads Chinese to a zh-HK
reader. ``after["label"]`` keeps the English text for readers of the raw log and exports;
batches stored before ``label_msg`` existed are read from that English text."""

from __future__ import annotations

from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext, gettext_noop

from workbench.i18n import with_user_content

CODED = gettext_noop("Coded %(names)s")
ALREADY_CODED = gettext_noop("Already coded %(names)s")
CHANGED_TO = gettext_noop("Changed to ‘%(code)s’")
SPAN_ADJUSTED = gettext_noop("Span adjusted")
MESSAGES = (CODED, ALREADY_CODED, CHANGED_TO, SPAN_ADJUSTED)

#: An undo step's kind (a single event's undo), by its English word.
_WORDS = {
    "coding": gettext_noop("coding"),
    "removal": gettext_noop("removal"),
    "memo change": gettext_noop("memo change"),
    "change": gettext_noop("change"),
}


def stored(msgid: str, **params: str) -> dict:
    """The batch's label for its audit event's ``after``: ``label`` (English text) and
    ``label_msg`` (the message id and its values, translated when shown)."""
    with translation.override("en"):
        english = strip_tags(_render(msgid, params))
    return {"label": english, "label_msg": {"msgid": msgid, "params": params}}


def _render(msgid: str, params: dict) -> str:
    if msgid not in MESSAGES:  # not a message of ours: show nothing of it as interface text
        return with_user_content("%(text)s", text=msgid)
    return with_user_content(gettext(msgid), **{k: str(v) for k, v in params.items()})


def shown(after: dict | None, default: str = "") -> str:
    """The label of a batch's ``after`` as HTML in the active language (values in
    ``<span translate="no">``); ``default`` (an English word of :data:`_WORDS`) without one."""
    after = after or {}
    message = after.get("label_msg")
    if isinstance(message, dict) and message.get("msgid"):
        return _render(message["msgid"], message.get("params") or {})
    return _from_english(after.get("label") or default)


def _from_english(label: str) -> str:
    """A label stored as English text only (batches written before ``label_msg``)."""
    for msgid, prefix in ((ALREADY_CODED, "Already coded "), (CODED, "Coded ")):
        if label.startswith(prefix):
            return with_user_content(gettext(msgid), names=label[len(prefix) :])
    if label in _WORDS:
        return with_user_content(gettext(_WORDS[label]))
    return with_user_content("%(text)s", text=label)
