"""The shared rule for "an English interface string on a zh-hant page", as the analysis pages
read it (fix/i18n has its own copy for the other pages; the two can be merged into one).

Every visible text node, and the attributes a person reads (``title``, ``aria-label``,
``placeholder``, ``alt``, a button's ``value``), outside ``[translate="no"]``, ``<script>``,
``<style>``, ``<code>`` and ``<kbd>``, must hold no Latin-letter word other than the proper
names and formats of :data:`ALLOWED`.
"""

from __future__ import annotations

import re

import lxml.html

_ALLOWED_WORDS = """
    CSV XLSX DOCX QDPX QDC REFI-QDA REFI QDA NVivo MAXQDA ATLAS.ti ATLAS ti QualCoder Taguette
    API JSON Markdown PDF COREQ SRQR ID URL Ctrl Shift Alt Esc Enter Tab R pandas numpy
    Krippendorff Cohen Brennan Prediger Fleiss Scott Holsti Gwet Braun Clarke Excel SVG PNG
    Unicode DKPro kappa alpha AC default_rng jieba PyCantonese Django
    A B C D O e n N k U u o P_chance D_e D_o
    thematic-workbench Tong Sainsbury Craig Brien O'Brien
    the and okay yeah
"""
#: Proper names, formats, keys and symbols (and the English stop words the Words page gives
#: as examples) that a Chinese interface writes as they are.
ALLOWED = frozenset(_ALLOWED_WORDS.split())
# Words the interface quotes back (what was typed, a name): 「…」 and “…” hold user content.
# A commit id (the software's version in the methods appendix) is not a word either.
QUOTED = re.compile(r"「[^」]*」|“[^”]*”|\b(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b")
#: The crawl's user names, which the interface writes into its sentences (a layer's name
#: in "Comparing bob and erin"): user content inside translated text.
USER_NAMES = frozenset({"alice", "bob", "erin", "carol", "dave"})
WORD = re.compile(r"[A-Za-z][A-Za-z_.\-]*[A-Za-z]|[A-Za-z]")
# A chart's SVG: its words are written in Python (coding/compare/pages.py, translated there)
# around the study's names, which cannot be marked inside an SVG <title>.
SKIP_TAGS = {"script", "style", "code", "kbd", "template", "svg"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


def english_words(text: str) -> list[str]:
    words = []
    for word in WORD.findall(QUOTED.sub(" ", text)):
        if word in ALLOWED or word.strip(".-") in ALLOWED or word in USER_NAMES:
            continue
        words.append(word)
    return words


def _skipped(element) -> bool:
    node = element
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag.lower() in SKIP_TAGS or node.get("translate") == "no":
            return True
        if "sr-skip-i18n" in (node.get("class") or "").split():
            return True
        node = node.getparent()
    return False


def english_on_page(html: str, *, within: str = "//main", exclude: str = "") -> list[str]:
    """Every English interface string found, as ``"<tag>: text"`` lines."""
    if not html.strip():
        return []
    root = lxml.html.fromstring(html)
    scopes = root.xpath(within) or ([root] if within in ("", ".") or root.tag != "html" else [])
    if not scopes and root.tag != "html":
        scopes = [root]
    excluded = set()
    for scope in scopes:
        if exclude:
            for el in scope.xpath(exclude):
                excluded.update(el.iter())
    found = []
    for scope in scopes:
        for element in scope.iter():
            if not isinstance(element.tag, str) or element in excluded or _skipped(element):
                continue
            texts = [element.text or ""]
            for attribute in READ_ATTRIBUTES:
                if element.get(attribute):
                    texts.append(element.get(attribute))
            # An <input>'s value is its label; a <button>'s value is sent, never shown.
            if element.tag == "input" and element.get("type") in (
                "submit",
                "button",
                "reset",
            ):
                texts.append(element.get("value") or "")
            for text in texts:
                if english_words(text):
                    found.append(f"<{element.tag}>: {text.strip()[:100]!r}")
            # A child's tail belongs to this element (the parent's text flow).
        for element in scope.iter():
            if not isinstance(element.tag, str):
                continue
            parent = element.getparent()
            if parent is None or parent in excluded or _skipped(parent):
                continue
            if element.tail and english_words(element.tail):
                found.append(
                    f"<{parent.tag}> (after <{element.tag}>): {element.tail.strip()[:100]!r}"
                )
    return found
