"""Bilingual codebooks (issue 15): the study's two codebook languages, a code's texts in
both, each person's interface language first, search in both, exports that carry both."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import csv as codebook_csv
from coding.codebook import selectors, services, versions
from coding.exchange.descriptions import code_description, parse_code_description
from coding.exchange.export import codebook_qdc, project_qdpx
from coding.exchange.importer import refi_import
from coding.models import Code
from studies.access import study_access
from studies.languages import for_study, tag_matches
from studies.models import Role
from tests import factories
from tests.coding.test_refi_export import (  # noqa: F401 - fixtures
    check_qdc,
    check_qdpx,
    codebook_schema,
    project_schema,
)

ZH = "zh-Hant-HK"
ZH_ACCEPT = {"HTTP_ACCEPT_LANGUAGE": "zh-HK,zh;q=0.9"}
EN_ACCEPT = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture
def bilingual(study):
    study.codebook_language2 = ZH
    study.codebook_language2_name = "繁體中文"
    study.save()
    role = factories.make_code(study, name="Role", name2="角色", color="#0072B2")
    peer = factories.make_code(
        study,
        name="Peer support",
        name2="朋輩支援",
        parent=role,
        description="Support from someone with lived experience.",
        description2="由有相近經歷的人提供的支援。",
        example="She had been there too.",
        example2="佢都經歷過。",
    )
    family = factories.make_code(study, name="Family", color="#E69F00")
    return {"role": role, "peer": peer, "family": family}


def codebook_page(client, study, accept, q=""):
    url = reverse("coding:codebook", args=[study.pk]) + (f"?q={q}" if q else "")
    return client.get(url, **accept).content.decode()


def link_text(page: str, code: Code) -> tuple[str, str]:
    """(the name shown in the tree, the tooltip's text) of ``code``'s row."""
    row = re.search(rf'id="cb-link-{code.pk}".*?</a>(.*?)</div>', page, re.S)
    assert row, code.name
    shown = re.search(r"<span lang=\"[^\"]*\">([^<]*)</span></a>", row.group(0)).group(1)
    tip = re.search(r'class="bi-tip"[^>]*>([^<]*)</span>', row.group(1))
    return shown, tip.group(1) if tip else ""


# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag, interface, expected",
    [
        ("zh-Hant-HK", "zh-hant", True),
        ("zh-HK", "zh-hant", True),
        ("yue-Hant", "zh-hant", True),
        ("zh-Hans", "zh-hant", False),
        ("zh-CN", "zh-hant", False),
        ("en-GB", "en", True),
        ("en", "zh-hant", False),
    ],
)
def test_a_study_language_matches_the_interface_language_it_is_read_in(tag, interface, expected):
    assert tag_matches(tag, interface) is expected


def test_the_owner_chooses_the_two_languages_on_the_setup_page(study, owner_client, coder_client):
    url = reverse("studies:study_setup", args=[study.pk])
    data = {
        "name": study.name,
        "segment_overlap_threshold": "0.9",
        "codebook_language": "en",
        "codebook_language_name": "English",
        "codebook_language2": "zh-hant-hk",
        "codebook_language2_name": "繁體中文",
    }
    assert coder_client.post(url, data).status_code in (403, 404)
    assert owner_client.post(url, data).status_code == 302
    study.refresh_from_db()
    assert (study.codebook_language2, study.codebook_language2_name) == (ZH, "繁體中文")
    # The same language twice, or a tag that is not BCP 47, is refused.
    for bad in ("EN", "not a tag!"):
        response = owner_client.post(url, {**data, "codebook_language2": bad})
        assert response.status_code == 200
        study.refresh_from_db()
        assert study.codebook_language2 == ZH


def test_default_is_one_language_and_the_form_has_no_second_fields(study, owner_client):
    assert (study.codebook_language, study.codebook_language2) == ("en", "")
    code = factories.make_code(study, name="Role")
    page = owner_client.get(reverse("coding:code_detail", args=[study.pk, code.pk])).text
    assert 'name="name2"' not in page
    assert "Missing translations" not in page


# --- storage and display -------------------------------------------------------------------


def test_the_owner_saves_the_second_language_texts(study, owner_client, bilingual):
    family = bilingual["family"]
    url = reverse("coding:code_update", args=[study.pk, family.pk])
    page = owner_client.get(url).text
    assert "Name (繁體中文)" in page and 'lang="zh-Hant-HK"' in page
    response = owner_client.post(
        url,
        {
            "name": "Family",
            "name2": "家人",
            "color": "#E69F00",
            "description2": "家人嘅支持。",
            "inclusion2": "提及家人",
            "codable_shown": "1",
            "is_codable": "on",
        },
    )
    assert response.status_code == 302
    family.refresh_from_db()
    assert (family.name, family.name2, family.description2, family.inclusion2) == (
        "Family",
        "家人",
        "家人嘅支持。",
        "提及家人",
    )


def test_each_person_reads_their_interface_language_first(study, coder_client, bilingual):
    peer, family = bilingual["peer"], bilingual["family"]
    english = codebook_page(coder_client, study, EN_ACCEPT)
    assert link_text(english, peer) == ("Peer support", "朋輩支援")
    chinese = codebook_page(coder_client, study, ZH_ACCEPT)
    assert link_text(chinese, peer) == ("朋輩支援", "Peer support")
    # Without its Chinese name a code shows in English, with no error and no tooltip.
    assert link_text(chinese, family) == ("Family", "")
    # The tooltip is the link's description, so keyboard focus and screen readers get it.
    assert f'aria-describedby="cb-other-{peer.pk}"' in chinese


def test_an_interface_language_outside_the_two_reads_the_first(study, coder_client, bilingual):
    page = codebook_page(coder_client, study, {"HTTP_ACCEPT_LANGUAGE": "fr"})
    assert link_text(page, bilingual["peer"]) == ("Peer support", "朋輩支援")


def test_the_detail_panel_shows_both_definitions_reader_first(study, coder_client, bilingual):
    url = reverse("coding:code_detail", args=[study.pk, bilingual["peer"].pk])
    page = coder_client.get(url, **ZH_ACCEPT).text
    first = page.index("由有相近經歷的人提供的支援。")
    assert first < page.index("Support from someone with lived experience.")
    page = coder_client.get(url, **EN_ACCEPT).text
    assert page.index("Support from someone") < page.index("由有相近經歷的人提供的支援。")


def test_the_codebook_lists_missing_translations(study, owner_client, bilingual):
    page = codebook_page(owner_client, study, EN_ACCEPT)
    missing = re.search(r'id="cb-missing">(.*?)</details>', page, re.S).group(1)
    assert '1 code without a name in <span translate="no">繁體中文</span>' in missing
    assert ">Family<" in missing and "Peer support" not in missing


def test_names_stay_unique_per_parent_in_each_language(study, bilingual):
    role = bilingual["role"]
    with pytest.raises(ValidationError) as err:
        services.code_create(study=study, name="Peers", name2="朋輩支援", parent=role)
    assert "name2" in err.value.message_dict
    # Another level may use it.
    services.code_create(study=study, name="Peers", name2="朋輩支援")
    other = services.code_create(study=study, name="Mentor", parent=role)
    with pytest.raises(ValidationError):
        services.code_update(code=other, name2="朋輩支援")
    # Case-insensitive in the second language too.
    services.code_update(code=bilingual["family"], name2="Famille")
    with pytest.raises(ValidationError):
        services.code_create(study=study, name="Kin", name2="FAMILLE")
    # Many codes may have no second-language name.
    services.code_create(study=study, name="A")
    services.code_create(study=study, name="B")
    assert Code.objects.filter(study=study, name2="").count() >= 3


# --- search and the picker -----------------------------------------------------------------


@pytest.mark.parametrize("q", ["peer", "PEER", "朋輩", "朋辈", "支援"])
def test_codebook_search_matches_both_languages_and_folds(study, coder_client, bilingual, q):
    page = codebook_page(coder_client, study, EN_ACCEPT, q=q)
    assert f'id="cb-link-{bilingual["peer"].pk}"' in page
    assert "1 of 3 codes match" in page
    assert f'id="cb-link-{bilingual["family"].pk}"' not in page


def test_the_coding_page_sends_match_keys_and_the_fold_table(study, coder, coder_client, bilingual):
    transcript = factories.make_transcript(study, text="I: Hello\nP: 朋輩")
    url = reverse("coding:transcript_code", args=[study.pk, transcript.pk])
    page = coder_client.get(url, **ZH_ACCEPT).text
    data = json.loads(re.search(r'id="codes-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    peer = next(c for c in data if c["id"] == bilingual["peer"].pk)
    assert (peer["n"], peer["o"]) == ("朋輩支援", "Peer support")
    assert peer["p"] == "角色 › 朋輩支援"
    # Folded keys (the picker compares what is typed, folded the same way).
    assert "peer support" in peer["k"] and "朋辈" in peer["k"]
    conf = json.loads(re.search(r'id="coding-page"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert conf["fold"]["輩"] == "辈"
    english = coder_client.get(url, **EN_ACCEPT).text
    data = json.loads(re.search(r'id="codes-data"[^>]*>(.*?)</script>', english, re.S).group(1))
    peer = next(c for c in data if c["id"] == bilingual["peer"].pk)
    assert (peer["n"], peer["o"]) == ("Peer support", "朋輩支援")


def test_blind_coders_see_no_other_coders_proposal_in_either_language(
    study, coder, coder2, coder_client
):
    study.blind_coding = True
    study.codebook_language2 = ZH
    study.save()
    services.code_create(study=study, name="Secret", name2="秘密提案", actor=coder2, proposed=True)
    for accept in (EN_ACCEPT, ZH_ACCEPT):
        assert "秘密提案" not in codebook_page(coder_client, study, accept)
        assert "秘密提案" not in codebook_page(coder_client, study, accept, q="秘密")
    body = coder_client.get(reverse("coding:codebook_export", args=[study.pk])).content
    assert "秘密提案".encode() not in body


# --- CSV and XLSX --------------------------------------------------------------------------


def _rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_csv_export_has_the_second_language_columns(study, coder_client, bilingual):
    body = coder_client.get(reverse("coding:codebook_export", args=[study.pk])).content
    rows = {row["path"]: row for row in _rows(body)}
    peer = rows["Role > Peer support"]
    assert peer["name_zh_hant_hk"] == "朋輩支援"
    assert peer["definition_zh_hant_hk"] == "由有相近經歷的人提供的支援。"
    assert peer["example_zh_hant_hk"] == "佢都經歷過。"
    assert rows["Family"]["name_zh_hant_hk"] == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_csv_and_xlsx_round_trip_in_code_points(study, owner, bilingual, fmt):
    # A name outside the Basic Multilingual Plane, to count code points.
    services.code_update(code=bilingual["family"], name2="家人𠝹")
    book = selectors.codebook(study)
    export = getattr(codebook_csv, f"codebook_{fmt}_export")
    data = export(book, tag2=ZH)
    other = factories.make_study(name="Copy", codebook_language2=ZH)
    codebook_csv.codebook_import_csv(study=other, data=data, filename=f"c.{fmt}")
    fields = ["name", "name2", "description", "description2", "example", "example2"]
    want = {tuple(getattr(c, f) for f in fields) for c in Code.objects.filter(study=study)}
    got = {tuple(getattr(c, f) for f in fields) for c in Code.objects.filter(study=other)}
    assert got == want
    copied = Code.objects.get(study=other, name="Family")
    assert len(copied.name2) == 3 and copied.name2[-1] == "\U00020779"


def test_import_refuses_a_column_of_another_language(study):
    study.codebook_language2 = ZH
    study.save()
    from studies.imports import ImportRefused

    data = "path,name_fr\nRole,Rôle\n".encode()
    with pytest.raises(ImportRefused) as err:
        codebook_csv.codebook_import_csv(study=study, data=data, filename="c.csv")
    assert "name_fr" in err.value.report.errors[0].message


def test_import_refuses_a_duplicate_second_language_name_at_one_level(study, bilingual):
    from studies.imports import ImportRefused

    data = "path,name_zh-Hant-HK\nRole > Mentor,朋輩支援\n".encode()
    with pytest.raises(ImportRefused) as err:
        codebook_csv.codebook_import_csv(study=study, data=data, filename="c.csv")
    assert "朋輩支援" in err.value.report.errors[0].message
    assert not Code.objects.filter(study=study, name="Mentor").exists()


# --- REFI-QDA ------------------------------------------------------------------------------


def test_description_section_splits_back():
    code = Code(
        name="Peer",
        description="Def.",
        inclusion="When.",
        name2="朋輩",
        description2="定義。\n\n第二段。",
        exclusion2="唔係。",
    )
    text = code_description(code, ZH)
    assert "\n--- zh-Hant-HK ---\nName: 朋輩\n" in text
    fields = parse_code_description(text)
    assert fields == {
        "description": "Def.",
        "inclusion": "When.",
        "name2": "朋輩",
        "description2": "定義。\n\n第二段。",
        "exclusion2": "唔係。",
        "language2": ZH,
    }
    # Without a second language nothing is added.
    assert code_description(code) == "Definition: Def.\n\nInclusion: When."


def test_qdc_carries_the_second_language_and_is_schema_valid(
    study,
    bilingual,
    codebook_schema,  # noqa: F811
):
    data = codebook_qdc(study)
    root = check_qdc(data, codebook_schema)
    descriptions = [d.text for d in root.iter("{*}Description")]
    assert any("--- zh-Hant-HK ---\nName: 朋輩支援" in (d or "") for d in descriptions)


def test_qdpx_round_trip_keeps_both_languages_in_code_points(
    study,
    owner,
    bilingual,
    project_schema,  # noqa: F811
):
    data = project_qdpx(study_access(owner, study.pk))
    check_qdpx(data, project_schema)
    other = factories.make_study(name="Copy", codebook_language2=ZH)
    factories.add_member(other, owner, Role.OWNER)
    report = refi_import(study=other, data=data, filename="p.qdpx", actor=owner)
    assert not [w for w in report.warnings if "second codebook language" in w]
    fields = ["name", "name2", "description", "description2", "example", "example2"]
    want = {tuple(getattr(c, f) for f in fields) for c in Code.objects.filter(study=study)}
    got = {tuple(getattr(c, f) for f in fields) for c in Code.objects.filter(study=other)}
    assert got == want


def test_qdpx_into_a_study_without_a_second_language_keeps_it_and_warns(study, owner, bilingual):
    data = project_qdpx(study_access(owner, study.pk))
    other = factories.make_study(name="Copy")
    factories.add_member(other, owner, Role.OWNER)
    report = refi_import(study=other, data=data, filename="p.qdpx", actor=owner)
    assert any("zh-Hant-HK" in w for w in report.warnings)
    assert Code.objects.get(study=other, name="Peer support").name2 == "朋輩支援"


# --- versions ------------------------------------------------------------------------------


def test_versions_snapshot_and_diff_include_the_second_language(study, owner, bilingual):
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    assert {row["name2"] for row in v1.snapshot} == {"角色", "朋輩支援", ""}
    services.code_update(code=bilingual["peer"], name2="朋輩支援工作", actor=owner, reason="HK")
    services.code_update(code=bilingual["role"], description2="角色嘅定義", actor=owner)
    changes = versions.diff_snapshots(
        v1.snapshot, versions.snapshot_codes(study), list(study.audit_events.all())
    )
    kinds = {(c.kind, c.field, c.old, c.new) for c in changes}
    assert ("renamed", "name2", "朋輩支援", "朋輩支援工作") in kinds
    assert ("definition", "description2", "", "角色嘅定義") in kinds
    renamed = next(c for c in changes if c.kind == "renamed")
    assert renamed.reason == "HK"
    # The version's CSV carries both.
    book = versions.snapshot_book(study, v1.snapshot)
    rows = _rows(codebook_csv.codebook_csv_export(book, include_archived=True, tag2=ZH))
    assert {r["name_zh_hant_hk"] for r in rows} == {"角色", "朋輩支援", ""}


def test_languages_for_an_interface(study):
    study.codebook_language2 = ZH
    langs = for_study(study, "zh-hant")
    assert (langs.first_tag, langs.other_tag, langs.swapped) == (ZH, "en", True)
    assert for_study(study, "en").swapped is False


def test_every_demo_code_has_a_distinct_chinese_name():
    from workbench.demo.codebook import CODEBOOK
    from workbench.demo.codebook_zh import NAMES_ZH

    def walk(specs):
        for spec in specs:
            yield spec
            yield from walk(spec.children)

    names = [spec.name for spec in walk(CODEBOOK)]
    assert set(names) == set(NAMES_ZH)
    chinese = [NAMES_ZH[name][0] for name in names]
    assert len(set(chinese)) == len(chinese)
    assert all(re.fullmatch(r"[\u3400-\u9fff（）、]+", name) for name in chinese)


def test_retrieval_shows_the_reader_language_path_and_the_other_on_hover(
    study, coder, coder_client, bilingual
):
    transcript = factories.make_transcript(study, text="P: my peer helped me a lot")
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, bilingual["peer"], layer, 3, 7)
    # The parent with its subcodes: each passage names its code's path.
    url = reverse("coding:retrieval", args=[study.pk]) + f"?code={bilingual['role'].pk}&subtree=1"
    page = coder_client.get(url, **ZH_ACCEPT).text
    assert 'title="Role › Peer support" translate="no">角色 › 朋輩支援<' in page
    page = coder_client.get(url, **EN_ACCEPT).text
    assert 'title="角色 › 朋輩支援" translate="no">Role › Peer support<' in page


def test_undoing_a_merge_brings_the_second_language_back_or_says_why_not(study, owner, bilingual):
    from coding.history import restore
    from coding.models import AuditEvent

    source = services.code_create(
        study=study, name="Peers", name2="同路人", description2="同行者。", actor=owner
    )
    services.code_merge(source=source, target=bilingual["family"], actor=owner)
    event = AuditEvent.objects.filter(action="code.merge").latest("pk")
    # Meanwhile another code at the top level took the Chinese name: refused, not a crash.
    squatter = services.code_create(study=study, name="Fellows", name2="同路人")
    with pytest.raises(ValidationError, match="同路人"):
        restore.event_restore(event=event, actor=owner)
    services.code_update(code=squatter, name2="")
    restore.event_restore(event=event, actor=owner)
    back = Code.objects.get(pk=source.pk)
    assert (back.name2, back.description2) == ("同路人", "同行者。")


@pytest.mark.parametrize("view", ["compare_matrix", "compare_cooccurrence", "compare_trajectory"])
def test_comparison_tables_name_codes_in_the_reader_language(
    study, coder, coder_client, bilingual, view
):
    group = factories.make_group(study, name="PSW")
    wave = factories.make_wave(study, name="T1")
    participant = factories.make_participant(study, pseudonym="P1", group=group)
    transcript = factories.make_transcript(
        study, text="P: my peer helped me a lot", participant=participant, wave=wave
    )
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, bilingual["peer"], layer, 3, 7)
    factories.make_segment(transcript, bilingual["family"], layer, 3, 9)
    url = reverse(f"coding:{view}", args=[study.pk])
    if view == "compare_trajectory":
        url += f"?code={bilingual['peer'].pk}"
    chinese = coder_client.get(url, **ZH_ACCEPT).text
    assert "朋輩支援" in chinese
    english = coder_client.get(url, **EN_ACCEPT).text
    assert "Peer support" in english
    if view != "compare_trajectory":
        assert "朋輩支援" not in english
    # Exports keep the study's first language.
    sep = "&" if "?" in url else "?"
    response = coder_client.get(url + f"{sep}format=csv", **ZH_ACCEPT)
    body = b"".join(response.streaming_content).decode()
    assert "朋輩支援" not in body
