"""Chinese is written without a space between sentences or before a full-width bracket.

Templates used to join two translated sentences with a literal space ("…碼位）。 合併計算…")
and put one before a translated bracket ("pi （你）"): the separator must come from the
language (``{% sentence_space %}``, coding/templatetags/language_spacing.py), so English keeps
its space and Chinese has none. The crawl (tests/test_crawl.py ROUTES) renders every page in
zh-HK and checks the visible text; the study's own content (``translate="no"``) stands for
itself as a placeholder, so a name before "（你）" still counts.
"""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.template import Context, Template
from django.utils import translation

from tests.i18n.test_crawl_zh_hant import _pages
from tests.test_crawl import build_crawl

CJK = r"\u3400-\u9fff\uf900-\ufaff"
#: A full-width sentence mark or closing bracket, a space, then a Chinese character;
#: or anything, a space, then a full-width opening bracket.
BAD = re.compile(rf"[，。；：！？）」][ \u00a0]+[{CJK}（「]|\S[ \u00a0]+[（]")
SKIPPED = {"script", "style", "code", "kbd", "pre", "samp", "template", "textarea", "svg"}
BLOCKS = {
    "p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
    "section", "article", "header", "footer", "nav", "main", "ul", "ol", "dl", "dt", "dd",
    "form", "fieldset", "legend", "table", "thead", "tbody", "br", "option", "select",
    "details", "summary", "figure", "figcaption", "label", "button", "aside", "dialog", "body",
}  # fmt: skip


#: coding/methods/appendix.py joins "校準回合：" and "未有紀錄。" with a literal space; another
#: helper owns coding/methods now: fix it there (join_sentences) and remove this after the merge.
KNOWN: tuple[str, ...] = ()


def visible_lines(html: str) -> list[str]:
    """The visible text, one line per block; user content (translate="no") becomes "U"."""
    root = lxml.html.document_fromstring(html)
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("input", "select"):  # a field between a label and its hint
            parts.append("▢")
        if tag in SKIPPED or tag in ("input", "select"):
            return
        if element.get("translate") == "no":
            parts.append("U")
            return
        if tag in BLOCKS:
            parts.append("\n")
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        if tag in BLOCKS:
            parts.append("\n")

    walk(root.find("body") if root.find("body") is not None else root)
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))
    return [line.strip() for line in text.split("\n") if line.strip()]


def stray_spaces(html: str) -> list[str]:
    return [
        line
        for line in visible_lines(html)
        if BAD.search(line) and not any(known in line for known in KNOWN)
    ]


def test_the_rule_finds_stray_spaces():
    html = (
        "<p>每個碼位。 合併計算</p><p><span translate='no'>pi</span> （你）</p>"
        "<p>（Krippendorff α） 及 Cohen κ</p><p>60 個編碼。片段</p><p>Done (you). Next</p>"
        "<p><span translate='no'>Hope。 Fear</span></p>"
    )
    assert stray_spaces(html) == [
        "每個碼位。 合併計算",
        "U （你）",
        "（Krippendorff α） 及 Cohen κ",
    ]


@pytest.mark.parametrize(
    "source",
    [
        '{% load language_spacing %}{% translate "No participants yet." %}{% sentence_space %}'
        '{% translate "Add one below or import a CSV." %}',
        '{% load language_spacing %}<b>pi</b>{% sentence_space %}{% translate "(you)" %}',
    ],
)
def test_sentence_space_is_a_space_in_english_and_none_in_chinese(source):
    template = Template("{% load i18n %}" + source)
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("zh-hant"):
        chinese = template.render(Context())
    assert " " in english and english.count(" ") > chinese.count(" ")
    assert not BAD.search(chinese), chinese


@pytest.mark.parametrize("persona", ("owner", "coder_blind", "viewer"))
def test_every_page_in_zh_hant_has_no_space_between_sentences_or_before_a_bracket(persona, db):
    ctx = build_crawl(blind=True)
    problems = []
    for _name, where, response in _pages(ctx, persona):
        body = response.content.decode()
        if body.strip():
            problems += [f"{where}: {line[:160]}" for line in stray_spaces(body)]
    assert not problems, f"{len(problems)} stray spaces as {persona}:\n" + "\n".join(
        sorted(set(problems))
    )


def test_the_methods_appendix_groups_the_replicates_and_closes_up_its_sentences(db):
    """The appendix writes 重抽樣 1,000 次 (the report's grouping), and its agreement
    paragraph reads "…碼位）。合併計算…", "（…）及 Cohen κ" with no space."""
    from django.urls import reverse

    from tests.test_crawl import _client

    ctx = build_crawl(blind=True)
    client = _client(ctx, "owner")
    url = reverse("coding:methods_appendix", kwargs={"study_id": ctx.study.pk})
    zh = client.get(url + "?bootstrap=1000", HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    text = " ".join(visible_lines(zh))
    assert "重抽樣 1,000 次" in text and "重抽樣 1000 次" not in text
    assert "碼位）。合併計算" in text and "）。 合併" not in text
    en = client.get(url + "?bootstrap=1000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,000 replicates" in en and "code point) as the unit of analysis. Pooled over" in en


def test_a_forms_errors_read_with_a_full_width_colon_and_no_space_in_chinese():
    from django import forms

    from workbench.lib.http import form_errors_text

    class Sample(forms.Form):
        coder_a = forms.CharField(label=translation.gettext_lazy("Coder A"))
        coder_b = forms.CharField(label=translation.gettext_lazy("Coder B"))

    with translation.override("zh-hant"):
        chinese = form_errors_text(Sample({}), labels=True)
    with translation.override("en"):
        english = form_errors_text(Sample({}), labels=True)
    assert chinese == "編碼員甲：必須填寫此欄。編碼員乙：必須填寫此欄。"
    assert english == "Coder A: This field is required. Coder B: This field is required."
