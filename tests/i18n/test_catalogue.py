"""The zh-Hant-HK catalogue is complete: every string makemessages finds in the templates,
the Python and static/js has a translation (non-empty, not fuzzy), and the compiled .mo
files the app reads say the same as the .po files.

Run ``make messages`` after adding or changing an interface string, translate the new
entries in locale/zh_Hant/LC_MESSAGES/*.po, and run it again to compile.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = "zh_Hant"
DOMAINS = ("django", "djangojs")
IGNORE = [".venv", "staticfiles", "tests", "node_modules", "htmlcov", "__pycache__", "migrations"]
SOURCES = ("templates", "static", "studies", "coding", "workbench")


def _po(domain: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / LOCALE / "LC_MESSAGES" / f"{domain}.po"


def _key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _translated(entry) -> bool:
    if "fuzzy" in entry.flags or entry.obsolete:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(v.strip() for v in entry.msgstr_plural.values())
    return bool(entry.msgstr.strip())


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogues makemessages makes from today's sources (in a scratch locale dir,
    merged with the committed translations as ``make messages`` would)."""
    # makemessages writes next to the nearest locale/ directory of each source file: it runs
    # on a copy of the sources, so the committed catalogue is never touched.
    base = Path(settings.BASE_DIR)
    work = tmp_path_factory.mktemp("sources")
    for folder in SOURCES:
        shutil.copytree(base / folder, work / folder, ignore=shutil.ignore_patterns(*IGNORE))
    root = work / "locale"
    target = root / LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True)
    for domain in DOMAINS:
        shutil.copy(_po(domain), target / f"{domain}.po")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with override_settings(LOCALE_PATHS=[root]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=[LOCALE],
                    domain=domain,
                    ignore_patterns=IGNORE,
                    no_obsolete=True,
                    no_wrap=True,
                    verbosity=0,
                )
    finally:
        os.chdir(cwd)
    return {domain: polib.pofile(str(target / f"{domain}.po")) for domain in DOMAINS}


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_interface_string_is_translated(domain, extracted):
    committed = {_key(e): e for e in polib.pofile(str(_po(domain))) if not e.obsolete}
    missing = [
        entry.msgid
        for entry in extracted[domain]
        if not entry.obsolete and not _translated(committed.get(_key(entry)) or entry)
    ]
    not_in_po = [e.msgid for e in extracted[domain] if _key(e) not in committed]
    assert not not_in_po, f"run `make messages`: {len(not_in_po)} new strings, e.g. {not_in_po[:5]}"
    assert not missing, f"{len(missing)} strings without a translation: {missing[:10]}"
    assert len(extracted[domain]) > 50  # the extraction found the sources


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_current(domain):
    po = polib.pofile(str(_po(domain)))
    mo = polib.mofile(str(_po(domain).with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo if e.msgid}
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        got = compiled.get((entry.msgctxt, entry.msgid))
        assert got is not None, f"{entry.msgid!r} is not in {domain}.mo: run `make messages`"
        if entry.msgid_plural:
            assert {int(k): v for k, v in got[1].items()} == {
                int(k): v for k, v in entry.msgstr_plural.items()
            }, entry.msgid
        else:
            assert got[0] == entry.msgstr, f"{entry.msgid!r}: the .mo is stale (make messages)"


def test_the_catalogue_has_hong_kong_plural_forms_and_no_fuzzy_header():
    po = polib.pofile(str(_po("django")))
    assert po.metadata["Plural-Forms"].startswith("nplurals=1")
    assert not po.metadata_is_fuzzy
