"""The zh_Hant catalogue: the compiled ``.mo`` is the ``.po`` compiled, and every message of
the analysis features (and the exports' columns) has a translation, not fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
#: The files of this catalogue's area (i18n2): the analysis features and their exports.
AREA = re.compile(
    r"^(coding/(agreement|calibration|consensus|compare|search|retrieval|words|themes|exemplars"
    r"|methods|assignments)/|templates/coding/(agreement|consensus|compare|search|retrieval"
    r"|words|methods)/|coding/exports\.py|coding/export_columns\.py)"
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def _ours(entry) -> bool:
    return any(AREA.match(path) for path, _line in entry.occurrences)


def test_every_message_of_the_area_is_translated():
    po = polib.pofile(str(PO))
    ours = [e for e in po if _ours(e)]
    assert len(ours) > 500
    missing = [
        e.msgid
        for e in ours
        if "fuzzy" in e.flags
        or not (e.msgstr or (e.msgid_plural and all(e.msgstr_plural.values())))
    ]
    assert not missing, f"{len(missing)} untranslated: {missing[:20]}"


def test_translations_keep_their_placeholders():
    po = polib.pofile(str(PO))
    wrong = []
    for e in po:
        if not _ours(e):
            continue
        for text in [e.msgstr, *e.msgstr_plural.values()]:
            if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(e.msgid)):
                wrong.append(e.msgid)
    assert not wrong, wrong[:20]


def test_the_mo_file_is_the_po_file_compiled():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in mo}
    stale = [
        e.msgid
        for e in po
        if e.translated()
        and compiled.get((e.msgctxt, e.msgid)) != (e.msgstr or e.msgstr_plural.get(0))
    ]
    assert not stale, f"run `make messages` (compilemessages): {stale[:10]}"
