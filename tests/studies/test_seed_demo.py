from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from coding.agreement.character_level import character_agreement
from coding.agreement.spans import Document, Span
from coding.assignments import sampler
from coding.models import (
    Assignment,
    AuditEvent,
    Code,
    LayerKind,
    Memo,
    SamplerDraw,
    Segment,
)
from studies.models import Participant, Role, Study
from studies.text import canonicalize, speaker_of
from workbench.demo import build, codebook, interviews, writer

CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
PASSWORD = "demo-pass-for-tests"


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """Run ``seed_demo`` once for this file, in a transaction rolled back afterwards.

    Each test runs in a savepoint inside it, so tests that write (a second run, --reset,
    another build) do not affect the others.
    """
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", password=PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def study(seed_output, db):
    return Study.objects.get(name=build.DEMO_STUDY_NAME)


@pytest.fixture
def transcripts(study):
    return list(study.transcripts.select_related("participant__group", "wave"))


@pytest.fixture
def coder_layers(study):
    return {
        layer.user.username: layer
        for layer in study.layers.filter(kind=LayerKind.CODER).select_related("user")
    }


def test_it_creates_the_three_groups_in_order(study):
    groups = [(g.name, g.participants.count()) for g in study.groups.order_by("position")]
    assert groups == [("Peer support workers", 5), ("Service users", 15), ("Co-workers", 14)]


def test_it_creates_the_three_waves_in_order(study):
    names = list(study.waves.order_by("position").values_list("name", flat=True))
    assert names == ["T1 Training", "T2 Work placement", "T3 Employment"]


def test_participants_have_pseudonyms_and_attributes(study):
    participants = list(study.participants.select_related("group"))
    pseudonyms = {p.pseudonym for p in participants}
    assert {"PSW01", "PSW05", "SU01", "SU15", "CW01", "CW14"} <= pseudonyms
    for participant in participants:
        assert {"gender", "age_band", "site"} <= set(participant.attributes)
        assert participant.attributes["site"] in interviews.SITES


def test_the_demo_attributes_are_typed_and_every_value_fits(study, transcripts):
    from studies.attributes import definitions, parse

    defs = {d.name: d for d in definitions(study)}
    assert defs["gender"].kind == "choice"
    assert defs["age"].kind == "number"
    assert (defs["interviewer"].scope, defs["language"].scope) == ("transcript", "transcript")
    for p in study.participants.all():
        low, high = (int(x) for x in p.attributes["age_band"].split("-"))
        assert low <= p.attributes["age"] <= high
        for name, value in p.attributes.items():
            assert parse(defs[name], value) == value
    for t in transcripts:
        assert parse(defs["interviewer"], t.attributes["interviewer"])
        assert parse(defs["language"], t.attributes["language"])


def test_it_creates_77_transcripts_with_attrition(transcripts):
    assert len(transcripts) == 77
    per_participant = Counter(t.participant.pseudonym for t in transcripts)
    assert len(per_participant) == 34
    assert 1 in per_participant.values() and 3 in per_participant.values()
    waves_of = defaultdict(set)
    for t in transcripts:
        waves_of[t.participant.pseudonym].add(t.wave.position)
    assert any(waves == {0, 2} for waves in waves_of.values()), "someone missed T2 only"
    assert Counter(t.wave.name for t in transcripts)["T1 Training"] == 34


def test_transcripts_are_20000_to_50000_code_points_of_canonical_text(transcripts):
    for t in transcripts:
        assert 20000 <= len(t.text) <= 50000, t.title
        assert t.length == len(t.text)
        assert canonicalize(t.text) == t.text
        assert t.checksum == type(t).checksum_of(t.text)
        assert t.title == f"{t.participant.pseudonym} – {t.wave.name}"
        assert t.source_name.endswith(".txt")


def test_transcripts_are_speaker_turns(transcripts):
    lines = transcripts[0].text.split("\n")
    speakers = Counter(speaker_of(line) for line in lines[1:])
    assert set(speakers) <= {"Interviewer", "訪問員", transcripts[0].participant.pseudonym}
    assert speakers["Interviewer"] > 20


def test_about_a_third_of_transcripts_contain_chinese(transcripts):
    with_chinese = [t for t in transcripts if CJK.search(t.text)]
    assert 0.25 <= len(with_chinese) / len(transcripts) <= 0.45
    assert any(t.language == "en+zh" for t in with_chinese)
    assert any("訪問員：" in t.text for t in with_chinese), "whole turns in Chinese"


def test_some_transcripts_contain_characters_outside_the_bmp(transcripts):
    astral = [t for t in transcripts if any(ord(ch) > 0xFFFF for ch in t.text)]
    assert len(astral) >= 3


def test_every_segment_quotes_its_transcript_text(study, transcripts):
    texts = {t.pk: t.text for t in transcripts}
    rows = list(
        Segment.objects.filter(transcript__study=study).values_list(
            "transcript_id", "code_id", "layer_id", "start", "end", "quote"
        )
    )
    assert rows
    for transcript_id, _, _, start, end, quote in rows:
        text = texts[transcript_id]
        assert 0 <= start < end <= len(text)
        assert quote == text[start:end]
        assert quote.strip()
    assert len({row[:5] for row in rows}) == len(rows)


@pytest.fixture
def double_coded(study):
    """The transcripts of the recorded double-coding draw (the only draw of the demo)."""
    (draw,) = SamplerDraw.objects.filter(study=study)
    return set(draw.transcript_ids)


def test_the_double_coded_subset_is_a_recorded_stratified_fifth(study, transcripts):
    (draw,) = SamplerDraw.objects.filter(study=study)
    assert draw.created_by.username == "pi" and draw.params["percent"] == 20
    assert draw.params["coders"] == ["coder1", "coder2"]
    cells = defaultdict(list)
    for t in transcripts:
        cells[(t.participant.group_id, t.wave_id)].append(t.pk)
    chosen = set(draw.transcript_ids)
    # Every group x wave cell gives its 20 % share, rounded up or down, and at least one.
    for ids in cells.values():
        got = len(chosen & set(ids))
        assert got >= 1
        assert abs(got - 0.2 * len(ids)) < 1 or got == 1, (got, len(ids))
    assert len(chosen) >= round(0.2 * len(transcripts))
    # The sampler, run again on the stored transcripts with the recorded seed, draws them.
    again = sampler.draw(dict(cells), seed=draw.seed, percent=20)
    assert again.chosen == sorted(chosen)


def test_the_double_coded_subset_has_both_layers_and_the_rest_one(
    study, transcripts, coder_layers, double_coded
):
    assert set(coder_layers) == {"coder1", "coder2"}
    counts = Counter(
        Segment.objects.filter(transcript__study=study).values_list("transcript_id", "layer_id")
    )
    single = Counter()
    for t in transcripts:
        coding = [name for name, layer in coder_layers.items() if counts[(t.pk, layer.pk)]]
        if t.pk in double_coded:
            assert coding == ["coder1", "coder2"], t.title
        else:
            assert len(coding) == 1, t.title
            single[coding[0]] += 1
        for name in coding:
            assert 25 <= counts[(t.pk, coder_layers[name].pk)] <= 60, (t.title, name)
    # The single-coded transcripts are shared out evenly.
    assert abs(single["coder1"] - single["coder2"]) <= 3, single


def test_the_two_coder_layers_partly_agree(study, coder_layers):
    spans = {}
    for username, layer in coder_layers.items():
        spans[username] = set(
            layer.segments.values_list("transcript_id", "code_id", "start", "end")
        )
    identical = spans["coder1"] & spans["coder2"]
    assert 0.1 * len(spans["coder1"]) < len(identical) < 0.9 * len(spans["coder1"])
    # Same code and passage, different boundaries.
    by_code = defaultdict(list)
    for transcript_id, code_id, start, end in spans["coder2"] - identical:
        by_code[(transcript_id, code_id)].append((start, end))
    shifted = sum(
        1
        for transcript_id, code_id, start, end in spans["coder1"] - identical
        if any(s < end and start < e for s, e in by_code[(transcript_id, code_id)])
    )
    assert shifted > 100


def test_a_layer_has_overlapping_codes_on_the_same_passage(coder_layers):
    segments = list(
        coder_layers["coder1"].segments.values_list("transcript_id", "code_id", "start", "end")
    )
    by_transcript = defaultdict(list)
    for transcript_id, code_id, start, end in segments:
        by_transcript[transcript_id].append((start, end, code_id))
    overlapping = 0
    for spans in by_transcript.values():
        spans.sort()
        for (_, e1, c1), (s2, _, c2) in zip(spans, spans[1:], strict=False):
            if s2 < e1 and c1 != c2:
                overlapping += 1
    assert overlapping > 50


def test_the_codebook_has_40_to_60_codes_in_exactly_three_levels(study):
    codes = {c.pk: c for c in Code.objects.filter(study=study)}
    assert 40 <= len(codes) <= 60

    def depth(code):
        return 1 if code.parent_id is None else 1 + depth(codes[code.parent_id])

    parents = {c.parent_id for c in codes.values()}
    leaves = [c for c in codes.values() if c.pk not in parents]
    assert {depth(c) for c in leaves} == {3}
    assert max(depth(c) for c in codes.values()) == 3
    for code in codes.values():
        assert code.description and code.inclusion and code.exclusion and code.example
        assert re.fullmatch(r"#[0-9A-F]{6}", code.color)


def test_codes_of_a_theme_share_a_colour_family(study):
    themes = Code.objects.filter(study=study, parent=None)
    colours = {theme.color for theme in themes}
    assert len(colours) == themes.count()


def test_the_interview_generator_is_deterministic():
    def make(seed):
        return writer.interview(
            "SU03", "su", 1, random.Random(seed), chinese=True, astral=True, target_chars=30000
        )

    first, second = make(7), make(7)
    assert first == second
    assert make(8)[0] != first[0]


def test_interview_anchors_are_passages_of_the_text():
    text, anchors = writer.interview(
        "PSW02", "psw", 0, random.Random(3), chinese=False, astral=False, target_chars=25000
    )
    assert 24000 <= len(text) <= 25000
    assert canonicalize(text) == text
    assert not CJK.search(text)
    assert len(anchors) > 50
    leaf_paths = set(codebook.LEAF_PATHS)
    for anchor in anchors:
        assert anchor.code_path in leaf_paths
        assert 0 <= anchor.start < anchor.end <= len(text)
        assert text[anchor.start : anchor.end].strip()
        assert "\n" not in text[anchor.start : anchor.end]


def test_an_astral_interview_contains_non_bmp_characters_in_sentences():
    text, _ = writer.interview(
        "CW04", "cw", 2, random.Random(5), chinese=False, astral=True, target_chars=20000
    )
    astral = [ch for ch in text if ord(ch) > 0xFFFF]
    assert astral
    assert canonicalize(text) == text


def test_the_demo_users_have_their_roles(study):
    roles = dict(study.memberships.values_list("user__username", "role"))
    assert roles == {
        "pi": Role.OWNER,
        "coder1": Role.CODER,
        "coder2": Role.CODER,
        "viewer": Role.VIEWER,
    }
    for username in roles:
        assert get_user_model().objects.get(username=username).check_password(PASSWORD)


def test_it_prints_the_login_url_and_the_password(seed_output):
    assert "http://127.0.0.1:8000/accounts/login/" in seed_output
    assert PASSWORD in seed_output
    for username in ("pi", "coder1", "coder2", "viewer"):
        assert username in seed_output


def test_each_coder_is_assigned_exactly_the_transcripts_their_layer_codes(study, coder_layers):
    done = {}
    for username, layer in coder_layers.items():
        assigned = set(
            Assignment.objects.filter(layer=layer).values_list("transcript_id", flat=True)
        )
        coded = set(layer.segments.values_list("transcript_id", flat=True))
        assert assigned == coded, username
        finished = Assignment.objects.filter(layer=layer, done_at__isnull=False).count()
        done[username] = (finished, round({"coder1": 0.7, "coder2": 0.6}[username] * len(coded)))
    assert all(got == expected for got, expected in done.values()), done


def test_it_writes_memos_and_audits_only_the_story_after_coding(study):
    memos = Memo.objects.filter(study=study)
    assert memos.filter(transcript=None, code=None, segment=None).exists()
    assert memos.filter(segment__isnull=False).exists()
    assert Segment.objects.filter(layer__study=study).exclude(memo="").exists()
    # The coding itself predates the audit log; what the team did after it is in the log.
    actions = Counter(AuditEvent.objects.filter(study=study).values_list("action", flat=True))
    assert not [a for a in actions if a.startswith(("segment.", "assignment."))]
    assert actions["codebook.version"] == 2
    assert actions["code.update"] == 3 and actions["code.create"] == 1
    assert actions["theme.created"] == 4 and actions["theme.merged"] == 2
    assert actions["theme.renamed"] == 1 and actions["theme.status"] == 2
    assert actions["exemplar.create"] == 9 and actions["journal.create"] == 2


def test_a_second_run_leaves_the_study_alone(study):
    segments = Segment.objects.filter(transcript__study=study).count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already exists" in out.getvalue()
    assert list(Study.objects.filter(name=build.DEMO_STUDY_NAME)) == [study]
    assert Segment.objects.filter(transcript__study=study).count() == segments
    # The printed password works: the demo users get it even though the study is kept.
    printed = re.search(r"with password (\S+)", out.getvalue()).group(1)
    assert get_user_model().objects.get(username="pi").check_password(printed)


def test_reset_rebuilds_the_study_with_the_password_from_the_environment(study, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    out = StringIO()
    call_command("seed_demo", "--reset", stdout=out)
    rebuilt = Study.objects.get(name=build.DEMO_STUDY_NAME)
    assert rebuilt.pk != study.pk
    assert rebuilt.transcripts.count() == 77
    assert "another-demo-password" in out.getvalue()
    assert get_user_model().objects.get(username="viewer").check_password("another-demo-password")


def test_the_benchmark_workload_has_about_150_segments_per_transcript_and_layer(seed_output, db):
    study = build.build_demo_study(
        segments_per_layer=150,
        coders=3,
        transcripts_limit=6,
        target_chars=(45000, 50000),
        name="Benchmark study",
    )
    layers = list(study.layers.select_related("user"))
    assert sorted(layer.user.username for layer in layers) == ["coder1", "coder2", "coder3"]
    assert study.memberships.get(user__username="coder3").role == Role.CODER
    counts = Counter(
        Segment.objects.filter(transcript__study=study).values_list("transcript_id", "layer_id")
    )
    assert len(counts) == 6 * 3
    assert all(140 <= n <= 150 for n in counts.values())
    groups = {
        t.participant.group.name for t in study.transcripts.select_related("participant__group")
    }
    assert len(groups) == 3


def test_scale_ten_extends_the_pseudonyms(seed_output, db):
    study = build.build_demo_study(scale=10, transcripts_limit=3, name="Scaled study")
    assert Participant.objects.filter(study=study).count() == 340
    assert study.participants.filter(pseudonym="SU150").exists()
    assert study.transcripts.count() == 3


# --- The story the demo tells -----------------------------------------------------------
# Computed from the stored segments, independently of the generator's own plan.

ROLE_CONFUSION = ("Role and identity", "Role confusion")
LIVED_EXPERIENCE = ("Lived experience as an asset",)
FAMILY_SUPPORT = ("Stigma and family", "Family support")


@pytest.fixture
def code_paths(study):
    codes = {c.pk: c for c in Code.objects.filter(study=study)}

    def path(code):
        return (code.name,) if code.parent_id is None else (*path(codes[code.parent_id]), code.name)

    return {pk: path(code) for pk, code in codes.items()}


@pytest.fixture
def coded(study, code_paths):
    """(code path, group, wave position) -> participants with a segment of the code or of
    a code below it, in either coder's layer; and (group, wave position) -> interviewed."""
    interviewed = defaultdict(set)
    for pid, group, wave in study.transcripts.values_list(
        "participant_id", "participant__group__name", "wave__position"
    ):
        interviewed[(group, wave)].add(pid)
    participants = defaultdict(set)
    rows = Segment.objects.filter(transcript__study=study, layer__kind=LayerKind.CODER).values_list(
        "code_id",
        "transcript__participant_id",
        "transcript__participant__group__name",
        "transcript__wave__position",
    )
    for code_id, pid, group, wave in rows:
        path = code_paths[code_id]
        for depth in range(1, len(path) + 1):
            participants[(path[:depth], group, wave)].add(pid)
    return participants, interviewed


def share(coded, path, wave, group=None):
    participants, interviewed = coded
    groups = [group] if group else {g for g, _ in interviewed}
    numerator = sum(len(participants[(path, g, wave)]) for g in groups)
    denominator = sum(len(interviewed[(g, wave)]) for g in groups)
    return numerator / denominator


def test_the_codebook_names_the_storyline_themes(code_paths):
    paths = set(code_paths.values())
    assert {ROLE_CONFUSION, LIVED_EXPERIENCE, FAMILY_SUPPORT} <= paths


def test_role_confusion_is_highest_at_training_and_falls(coded):
    t1, t2, t3 = (share(coded, ROLE_CONFUSION, w) for w in range(3))
    assert t1 >= t2 + 0.15 and t2 >= t3 + 0.1, (t1, t2, t3)


def test_lived_experience_as_an_asset_peaks_at_the_work_placement(coded):
    t1, t2, t3 = (share(coded, LIVED_EXPERIENCE, w) for w in range(3))
    assert t2 >= max(t1, t3) + 0.15, (t1, t2, t3)


def test_family_support_matters_most_in_employment(coded):
    t1, t2, t3 = (share(coded, FAMILY_SUPPORT, w) for w in range(3))
    assert t3 >= max(t1, t2) + 0.15, (t1, t2, t3)


def test_co_workers_are_more_confused_about_the_role_than_service_users(coded):
    for wave in (0, 1):
        cw = share(coded, ROLE_CONFUSION, wave, "Co-workers")
        su = share(coded, ROLE_CONFUSION, wave, "Service users")
        assert cw >= su + 0.25, (wave, cw, su)


def test_no_theme_is_a_flat_line(coded, code_paths):
    themes = {path for path in code_paths.values() if len(path) == 1}
    for theme in themes:
        shares = [share(coded, theme, w) for w in range(3)]
        assert min(shares) < 1, (theme, shares)
        assert max(shares) - min(shares) >= 0.1, (theme, shares)


MIN_PASSAGES_TO_JUDGE = 10


def test_most_codes_agree_as_a_trained_team_and_a_few_need_review(study, code_paths, double_coded):
    # Agreement rests on the double-coded transcripts, as the agreement report's does.
    documents = {
        pk: Document(length)
        for pk, length in study.transcripts.filter(pk__in=double_coded).values_list("pk", "length")
    }
    spans = defaultdict(list)
    for tid, code_id, user, start, end in Segment.objects.filter(
        transcript__in=double_coded, layer__kind=LayerKind.CODER
    ).values_list("transcript_id", "code_id", "layer__user__username", "start", "end"):
        spans[tid].append(Span(user, code_id, start, end))
    documents = {pk: Document(doc.length, spans[pk]) for pk, doc in documents.items()}
    result = character_agreement(documents, ["coder1", "coder2"], include_documents=False)
    passages = Counter(span.code for doc_spans in spans.values() for span in doc_spans)
    alphas = {code: result.per_code[code].alpha_binary.value for code in passages}
    undefined = [code_paths[c] for c, a in alphas.items() if a is None]
    assert not undefined
    # On a fifth of the transcripts a rare code has too few passages for its alpha to say
    # much (the report flags them); the story is about the codes with enough to judge.
    used = {code for code, n in passages.items() if n >= MIN_PASSAGES_TO_JUDGE}
    assert len(used) >= 0.5 * len(passages)
    alphas = {code: alphas[code] for code in used}
    in_band = [c for c, a in alphas.items() if 0.67 <= a <= 0.90]
    below = [c for c, a in alphas.items() if a < 0.67]
    summary = sorted((round(a, 2), code_paths[c][-1]) for c, a in alphas.items())
    assert len(in_band) >= 0.7 * len(used), summary
    assert 3 <= len(below) <= 0.2 * len(used), summary


def test_building_the_demo_twice_gives_the_same_coding(seed_output, db):
    def coding(name):
        study = build.build_demo_study(transcripts_limit=4, name=name)
        return sorted(
            Segment.objects.filter(transcript__study=study).values_list(
                "transcript__title", "code__name", "layer__user__username", "start", "end"
            )
        )

    first = coding("Demo copy 1")
    assert first
    assert coding("Demo copy 2") == first


# --- The study in progress (workbench/demo/story.py) ---------------------------------------


def test_the_two_codebook_versions_differ_by_four_reasoned_changes(study):
    from coding.codebook import versions
    from studies.access import study_access

    access = study_access(study.memberships.get(role=Role.OWNER).user, study.pk)
    names = list(study.codebook_versions.values_list("name", flat=True))
    assert names == ["v1 after calibration", "v2 before T2 coding"]
    v1, v2 = study.codebook_versions.order_by("created_at", "pk")
    changes = versions.diff(access, versions.side(access, v1.pk), versions.side(access, v2.pk))
    got = sorted((c.kind, c.path.split(" › ")[-1], c.field) for c in changes)
    assert got == [
        ("added", "Peer supervision", ""),
        ("definition", "Feeling like an impostor", "exclusion"),
        ("definition", "Shared language", "description"),
        ("renamed", "Refusing requests", ""),
    ]
    assert all(c.reason for c in changes)
    assert len(v2.snapshot) == len(v1.snapshot) + 1


def test_three_themes_with_a_history_and_whole_sentence_exemplars(study):
    from coding.models import Exemplar, Theme, ThemeEvent, ThemeStatus

    live = Theme.objects.filter(study=study).exclude(status=ThemeStatus.DISCARDED)
    assert sorted(live.values_list("name", "status")) == [
        ("Family between stigma and support", "candidate"),
        ("Lived experience as a resource", "reviewed"),
        ("Nobody knew what a peer worker is", "reviewed"),
    ]
    merged = Theme.objects.get(study=study, status=ThemeStatus.DISCARDED)
    lived = live.get(name="Lived experience as a resource")
    assert set(merged.codes.all()) <= set(lived.codes.all())
    kinds = {
        t.name: list(ThemeEvent.objects.filter(theme=t).values_list("kind", flat=True))
        for t in live
    }
    assert kinds["Nobody knew what a peer worker is"] == [
        "created",
        "renamed",
        "status",
        "through_line",
    ]
    assert kinds["Lived experience as a resource"] == [
        "created",
        "merged",
        "status",
        "through_line",
    ]
    assert all(
        e.reason
        for e in ThemeEvent.objects.filter(theme__study=study).exclude(
            kind__in=["created", "through_line"]
        )
    )
    for theme in live:
        exemplars = list(
            Exemplar.objects.filter(theme=theme).select_related(
                "segment__transcript__participant", "segment__transcript__wave"
            )
        )
        assert len(exemplars) == 3
        cells = {
            (e.segment.transcript.participant.group_id, e.segment.transcript.wave_id)
            for e in exemplars
        }
        assert len(cells) == 3, theme.name
        for e in exemplars:
            quote = e.segment.transcript.text[e.segment.start : e.segment.end]
            assert quote[0].isupper() and quote[-1] in ".!?", quote


def test_one_shared_and_one_private_journal_entry_and_every_portrait(study):
    from coding.models import JournalEntry, Portrait
    from coding.themes.selectors import visible_journal
    from studies.access import study_access

    entries = JournalEntry.objects.filter(study=study)
    assert sorted(entries.values_list("author__username", "shared")) == [
        ("coder1", False),
        ("pi", True),
    ]
    pi = get_user_model().objects.get(username="pi")
    seen = visible_journal(study_access(pi, study.pk))
    assert list(seen.values_list("author__username", flat=True)) == ["pi"]
    portraits = Portrait.objects.filter(participant__study=study)
    assert portraits.count() == study.participants.count() == 34
    assert all(p.text and p.text == p.generated for p in portraits)


# --- The story's timeline (workbench/demo/timeline.py) -------------------------------------


def test_the_over_time_tab_has_rounds_and_every_period_coded(study, coder_layers):
    """Each codebook period holds real double coding: the report's segments and transcripts
    per period are those counted here from the segments' and versions' creation times."""
    from django.http import QueryDict

    from coding.agreement import over_time
    from studies.access import study_access

    pi = get_user_model().objects.get(username="pi")
    layers = sorted(coder_layers.values(), key=lambda la: la.pk)
    table, _ = over_time.for_query(
        study_access(pi, study.pk),
        QueryDict("bootstrap=100"),
        layers=",".join(la.key for la in layers),
    )
    assert [r.label for r in table.rounds] == ["Calibration round 1", "Calibration round 2"]
    assert all(r.alpha.defined and r.alpha_ci is not None for r in table.rounds)
    assert {r.codebook for r in table.rounds} == {"before any named version"}

    bounds = [
        None,
        *study.codebook_versions.order_by("created_at").values_list("created_at", flat=True),
        None,
    ]
    expected = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        in_period = Segment.objects.filter(layer__in=layers)
        if start is not None:
            in_period = in_period.filter(created_at__gte=start)
        if end is not None:
            in_period = in_period.filter(created_at__lt=end)
        by_transcript = defaultdict(set)
        for transcript_id, layer_id in in_period.values_list("transcript_id", "layer_id"):
            by_transcript[transcript_id].add(layer_id)
        compared = {t for t, coded in by_transcript.items() if len(coded) == len(layers)}
        expected.append((len(compared), in_period.filter(transcript_id__in=compared).count()))
    assert [r.label for r in table.periods] == [
        "before any named version",
        "v1 after calibration",
        "v2 before T2 coding",
    ]
    assert [(r.n_transcripts, r.segments) for r in table.periods] == expected
    for row in table.periods:
        assert row.n_transcripts >= 2 and row.segments > 0, row.label
        assert row.alpha.defined and row.kappa.defined and row.percent_agreement.defined
        assert row.alpha_ci is not None, row.label
    assert table.straddling == []  # each transcript is coded within one period
    assert over_time.trend_words(table.rows)


def test_the_story_is_dated_in_order_and_in_the_past(study, coder_layers):
    from django.db.models import Max, Min
    from django.utils import timezone

    from coding.models import CalibrationSubmission, Exemplar, JournalEntry, ThemeEvent

    now = timezone.now()
    segments = Segment.objects.filter(layer__in=coder_layers.values())
    first, last = segments.aggregate(a=Min("created_at"), b=Max("created_at")).values()
    assert study.created_at < first < last < now - dt.timedelta(days=7)
    assert not segments.exclude(updated_at=F("created_at")).exists()
    # The audit log reads in order, after the study was set up and before today.
    events = list(AuditEvent.objects.filter(study=study).order_by("pk"))
    times = [e.created_at for e in events]
    assert times == sorted(times) and study.created_at < times[0] and times[-1] < now
    actions = [e.action for e in events]
    assert actions.index("calibration.close") < actions.index("codebook.version")
    # The calibration rounds come after the pilot coding and end before v1; the versions
    # come after the segments coded under the period they close.
    v1, v2 = study.codebook_versions.order_by("created_at")
    rounds = study.calibration_rounds.order_by("created_at")
    pilot = segments.filter(created_at__lt=v1.created_at)
    assert pilot.exists() and pilot.aggregate(m=Max("created_at"))["m"] < rounds[0].created_at
    answered = CalibrationSubmission.objects.filter(unit__round__study=study)
    assert answered.aggregate(m=Max("submitted_at"))["m"] < v1.created_at
    for version, later in ((v1, v2.created_at), (v2, now)):
        under = segments.filter(created_at__gte=version.created_at, created_at__lt=later)
        assert under.exists(), version.name
        transcripts = set(under.values_list("transcript_id", flat=True))
        assert not segments.filter(
            transcript_id__in=transcripts, created_at__lt=version.created_at
        ).exists(), version.name
    # What rests on the coding is dated after it.
    for a in Assignment.objects.filter(layer__in=coder_layers.values(), done_at__isnull=False):
        coded = segments.filter(layer=a.layer_id, transcript=a.transcript_id)
        assert a.created_at < coded.aggregate(m=Min("created_at"))["m"]
        assert a.done_at > coded.aggregate(m=Max("created_at"))["m"]
    for memo in Memo.objects.filter(study=study, segment__isnull=False).select_related("segment"):
        assert memo.created_at > memo.segment.created_at
    assert all(
        e.created_at > e.segment.created_at
        for e in Exemplar.objects.filter(theme__study=study).select_related("segment")
    )
    shared = JournalEntry.objects.get(study=study, shared=True)
    assert v2.created_at <= shared.created_at
    assert shared.created_at > min(shared.themes.values_list("created_at", flat=True))
    theme_times = list(
        ThemeEvent.objects.filter(theme__study=study)
        .order_by("pk")
        .values_list("created_at", flat=True)
    )
    assert theme_times == sorted(theme_times) and theme_times[-1] < now
