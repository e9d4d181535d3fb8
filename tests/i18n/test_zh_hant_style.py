"""The zh-Hant-HK catalogue follows the house style of docs/i18n/GLOSSARY.md, checked entry by
entry: the same placeholders and HTML tags as the English, full-width punctuation between
Chinese characters (「」，。：；（）), no space between Chinese and its punctuation, 「」 rather
than “”, and none of the Taiwan or Mainland words the glossary's "Not used" table lists (軟體, 上傳,
編碼者 …), each with the Hong Kong word to write instead.

Half-width punctuation is kept where it is literal, what a person types or reads as code:
inside 「…」 and inside <code>…</code>.

Each rule is also run on a planted bad entry, so a rule that stopped seeing anything fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES"
GLOSSARY = Path(settings.BASE_DIR) / "docs" / "i18n" / "GLOSSARY.md"
DOMAINS = ("django", "djangojs")

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxX]|%[-#0 +]*\d*(?:\.\d+)?[sdifrxX]|\{[^{}\s]*\}"
)
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# What is literal (typed or read as code) keeps its half-width punctuation.
LITERAL = re.compile(r"「[^」]*」|<code>.*?</code>|<kbd>.*?</kbd>|%\([^)]+\)\S*?[sd]", re.S)
HALF_BETWEEN = re.compile(rf"[{HAN}][,.:;!?()]|[,:;!?()][{HAN}]")
SPACE_BEFORE = re.compile(rf"[{HAN}] +[，。：；！？」）、]|[「（] +[{HAN}]")
SPACE_AFTER = re.compile(rf"[，。：；！？、] +[{HAN}]")
CURLY = re.compile(r"[“”‘’]")
TABLE_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|")


def banned_terms() -> dict[str, str]:
    """The glossary's "Not used" table: word to avoid → the Hong Kong word."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Not used", 1)[1].split("\n## ", 1)[0]
    terms = {}
    for line in section.splitlines():
        match = TABLE_ROW.match(line)
        if not match or set(match.group(1)) <= set("-: ") or match.group(1) == "Avoid":
            continue
        for avoid in match.group(1).split("/"):
            terms[avoid.strip()] = match.group(2)
    return terms


def _strings(entry) -> list[tuple[str, str]]:
    """(English, Chinese) pairs of an entry; a plural's one Chinese form answers both."""
    if entry.msgid_plural:
        return [(entry.msgid_plural, s) for s in entry.msgstr_plural.values()]
    return [(entry.msgid, entry.msgstr)]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def problems(entry, banned: dict[str, str]) -> list[str]:
    found = []
    for english, chinese in _strings(entry):
        if not chinese:
            continue
        if entry.msgid_plural:
            # The one Chinese form stands for both: it may drop the singular's count.
            wanted = set(_placeholders(english)) | set(_placeholders(entry.msgid))
            if not set(_placeholders(chinese)) <= wanted:
                found.append(f"placeholders {_placeholders(chinese)} not in the English")
        elif _placeholders(english) != _placeholders(chinese):
            found.append(f"placeholders {_placeholders(english)} ≠ {_placeholders(chinese)}")
        if sorted(TAG.findall(english)) != sorted(TAG.findall(chinese)):
            found.append("HTML tags differ from the English")
        prose = LITERAL.sub("「」", chinese)
        for pattern, what in (
            (HALF_BETWEEN, "half-width punctuation beside Chinese"),
            (SPACE_BEFORE, "a space between Chinese and its punctuation"),
            (SPACE_AFTER, "a space after full-width punctuation"),
            (CURLY, "curly quotes (write 「」)"),
        ):
            match = pattern.search(prose)
            if match:
                found.append(f"{what}: {match.group(0)!r}")
        for avoid, use in banned.items():
            # A Hong Kong word that holds the avoided one (用戶名稱 holds 用戶名) is fine.
            text = chinese
            for word in re.split(r"\s*[/、，]\s*", use):
                if avoid in word:
                    text = text.replace(word, "")
            if avoid in text:
                found.append(f"{avoid!r}: write {use}")
    return found


@pytest.fixture(scope="module")
def banned():
    terms = banned_terms()
    assert len(terms) > 20, "the glossary's 'Not used' table was not read"
    return terms


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_follows_the_house_style(domain, banned):
    po = polib.pofile(str(LOCALE / f"{domain}.po"))
    bad = []
    for entry in po:
        if entry.obsolete:
            continue
        for problem in problems(entry, banned):
            bad.append(f"{entry.msgid[:70]!r} → {entry.msgstr[:50]!r}: {problem}")
    assert not bad, f"{len(bad)} entries break the style:\n" + "\n".join(bad)


PLANTED = [
    ("Saved %(name)s.", "已儲存。", "placeholders"),
    ("Code %(n)s of {total}", "第 %(n)s 個編碼（共 {all} 個）", "placeholders"),
    ("Read <a href='x'>the guide</a>.", "請閱讀指南。", "HTML tags"),
    ("Codes, themes", "編碼,主題", "half-width punctuation"),
    ("Note: read it", "注意:請閱讀", "half-width punctuation"),
    ("Codes (3)", "編碼(3 個)", "half-width punctuation"),
    ("Saved.", "已儲存 。", "a space between"),
    ("Saved. Next", "已儲存。 下一個", "a space after"),
    ("“Stigma” merged", "“污名”已合併", "curly quotes"),
    ("Upload software", "上傳軟體", "write 上載"),
    ("Two coders", "兩位編碼者", "write 編碼員"),
    ("Username", "用戶名", "write 用戶名稱"),
]


@pytest.mark.parametrize(("english", "chinese", "rule"), PLANTED)
def test_a_planted_bad_entry_is_caught(english, chinese, rule, banned):
    entry = polib.POEntry(msgid=english, msgstr=chinese)
    assert any(rule in p for p in problems(entry, banned)), problems(entry, banned)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("One per line as key: value.", "每行一個，格式為「鍵: 值」。"),
        (
            "One turn per line (<code>Speaker: text</code>).",
            "每行一段發言（<code>發言者: 文字</code>）。",
        ),
        ("Username", "用戶名稱"),
        ("%(count)s segment", "%(count)s 個片段"),
        ("%(size).1f MB", "%(size).1f MB"),
    ],
)
def test_literal_and_good_entries_pass(english, chinese, banned):
    assert problems(polib.POEntry(msgid=english, msgstr=chinese), banned) == []


def test_dates_read_as_hong_kong_writes_them():
    """Django's zh_Hant pads the month in a month and day ("09月5日", on the coding page's
    "Done" badge); Hong Kong writes 9月5日, as DATE_FORMAT does."""
    import datetime as dt

    from django.utils import formats, translation

    with translation.override("zh-hant"):
        day = dt.date(2026, 9, 5)
        assert formats.date_format(day, "MONTH_DAY_FORMAT") == "9月5日"
        assert formats.date_format(day, "YEAR_MONTH_FORMAT") == "2026年9月"
        assert formats.date_format(day) == "2026年9月5日"


def test_djangos_own_messages_read_as_hong_kong_writes_them():
    """Django's zh_Hant catalogue is Taiwan's (個人資訊, 送出, half-width brackets): the
    messages a person meets on our forms are overridden (workbench/i18n_overrides.py)."""
    from django import forms
    from django.contrib.auth.forms import SetPasswordForm
    from django.contrib.auth.password_validation import password_validators_help_texts
    from django.utils import translation

    def error(field, value):
        with pytest.raises(forms.ValidationError) as caught:
            field.clean(value)
        return caught.value.messages[0]

    with translation.override("zh-hant"):
        assert error(forms.CharField(max_length=3), "abcd") == "此欄最多 3 個字元（現有 4 個）。"
        assert error(forms.CharField(min_length=3), "ab") == "此欄最少要有 3 個字元（現有 2 個）。"
        assert error(forms.FloatField(), "x") == "請輸入數字。"
        assert error(forms.FloatField(max_value=1), "2") == "數值必須小於或等於 1。"
        assert error(forms.FloatField(min_value=0), "-1") == "數值必須大於或等於 0。"
        assert error(forms.TimeField(), "x") == "請輸入有效的時間。"
        assert "你的密碼不能與你的其他個人資料太相近。" in password_validators_help_texts()
        form = SetPasswordForm(None)
        assert form.fields["new_password2"].label == "確認新密碼"
        assert form.fields["new_password2"].help_text == "請再次輸入新密碼以作確認。"
