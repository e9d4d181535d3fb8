"""The shared rule for "an English interface string" on a page shown in Traditional Chinese.

Every visible text node outside ``[translate="no"]`` (user content), ``<script>``, ``<style>``,
``<code>``, ``<kbd>`` and ``<pre>``, and the attributes ``title``, ``aria-label``,
``placeholder``, ``alt`` and a button's ``value``, must hold no Latin-letter word except the
proper names and formats of :data:`ALLOWED` (compared case-insensitively).

Names the interface quotes back inside a translated sentence are user content too: what
stands between 「 and 」 (the glossary's quotation marks for a name), and the study's user
names (a layer is its coder's name: "編碼層：bob"), which ``names`` passes.
"""

from __future__ import annotations

import re

import lxml.html

_NAMES = (
    # formats and file kinds
    "CSV XLSX DOCX DOC ODT RTF PDF TXT VTT SRT ZIP QDPX QDC REFI-QDA REFI QDA JSON Markdown "
    "MD HTML UTF UTF-8 UTF-16 LF CRLF Unicode QDA-XML isCodable JSONL Big5 GB18030 Windows-1252 Latin-1 mp3 m4a wav mp4 webm "
    # tools, standards and names
    "Word OpenDocument SHA SHA-256 Windows macOS Linux Excel NVivo MAXQDA ATLAS.ti ATLAS ti QualCoder Taguette Django Axes OpenCC API URL ID IDs "
    "COREQ SRQR R pandas curl Zoom Teams Otter Okabe Ito Krippendorff Cohen Fleiss "
    "Bearer Authorization IoU "
    # the analysis pages' methods and references (tests/i18n/analysis_rule.py, fix/i18n2)
    "numpy Brennan Prediger Scott Holsti Gwet Braun Clarke SVG PNG DKPro kappa alpha "
    "default_rng jieba PyCantonese thematic-workbench Tong Sainsbury Craig Brien O'Brien "
    # the Words page's examples of English stop words
    "the and okay yeah "
    # keys
    "Ctrl Shift Alt Esc Enter Tab Space Cmd Home End PgUp PgDn Backspace Delete"
)
ALLOWED = {word.casefold() for word in _NAMES.split(" ")}
# A chart's SVG: its words are written in Python around the study's names (coding/compare).
SKIPPED_TAGS = {"script", "style", "code", "kbd", "pre", "samp", "template", "svg"}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9._'’-]*")


# Identifiers and formats written as such: file names (manifest.csv, .docx), column lists
# (file,participant,group), key: value examples are not words of a sentence.
IDENTIFIER = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\S*\.[A-Za-z0-9]+\b|\b\w+(?:,\w+)+\b|\b[a-z]+_[a-z_]+\b"
    # a commit id (the software's version in the methods appendix)
    r"|\b(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b"
)


#: A name quoted back inside a translated sentence (the glossary writes 「name」).
QUOTED = re.compile(r"「[^」]*」")


def english_words(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    words = []
    text = IDENTIFIER.sub(" ", QUOTED.sub(" ", text))
    for match in WORD.finditer(text):
        word = match.group(0).rstrip(".-'’")
        word = re.sub(r"['’]s$", "", word)  # a name's possessive (Krippendorff's α)
        if word.casefold() in ALLOWED or word.casefold().rstrip("s") in ALLOWED:
            continue
        if word in names:
            continue
        if re.fullmatch(r"[A-Za-z]\d*", word):  # a single letter: κ's "A", "B", key names
            continue
        if re.fullmatch(r"[A-Z]{2,4}\d*", word):  # initials (a coder's "ER") and acronyms
            continue
        words.append(word)
    return words


def english_strings(
    html: str, user_content: list[str] = (), names: frozenset[str] = frozenset()
) -> list[str]:
    """The interface strings of ``html`` that hold an English word, in document order.

    An attribute cannot mark a part of itself ``translate="no"``: ``user_content`` (the
    study's own names, titles and texts, longest first) is removed from attribute values
    before they are checked (e.g. ``aria-label="Move Hope up"`` checks "Move … up").
    """
    root = lxml.html.document_fromstring(html)
    found: list[str] = []

    def check(text: str | None, where: str, attribute: bool = False) -> None:
        if attribute and text:
            for value in user_content:
                if value in text:
                    text = text.replace(value, " ")
        if text and text.strip() and english_words(text, names):
            found.append(f"{where}: {' '.join(text.split())[:120]!r}")

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED_TAGS or element.get("translate") == "no":
            return
        if tag:
            for attribute in ATTRIBUTES:
                check(element.get(attribute), f"<{tag} {attribute}>", attribute=True)
            if tag == "input" and element.get("type") in ("submit", "button", "reset"):
                check(element.get("value"), "<input value>", attribute=True)
            # <title> cannot hold translate="no" markup: the study's names are removed.
            check(element.text, f"<{tag}>", attribute=tag == "title")
        for child in element:
            walk(child)
            # the text after a child belongs to this element (not to a skipped child)
            check(child.tail, f"<{tag}>")

    walk(root)
    return found
