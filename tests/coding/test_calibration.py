from __future__ import annotations

import re
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.calibration import services as calibration
from coding.models import AuditEvent, CalibrationAnswer, CalibrationRound, CalibrationSubmission
from tests import factories
from tests.coding.test_agreement_report import TEXT_A


@pytest.fixture
def setup(study, owner, coder, coder2):
    t = factories.make_transcript(study, title="Interview", text=TEXT_A)
    role, doubt = factories.make_code(study, name="Role"), factories.make_code(study, name="Doubt")
    bob = factories.make_layer(study, coder)
    for s, e in [(30, 40), (41, 50), (51, 60), (62, 70)]:
        factories.make_segment(t, role, bob, s, e)
    rnd = calibration.calibration_round_create(
        study=study,
        name="Round 1",
        codes=[role, doubt],
        coders=[coder, coder2],
        spans=calibration.units_from_layer(layer=bob),
        actor=owner,
    )
    return {"t": t, "codes": [role, doubt], "round": rnd, "coders": [coder, coder2]}


def answer(rnd, coder, i, codes):
    unit = rnd.units.order_by("position")[i]
    calibration.calibration_answer_submit(
        unit=unit, coder=coder, code_ids=[c.pk for c in codes], actor=coder
    )


def two_coder_oracle(a, b):
    """Percent agreement, Cohen's kappa and Krippendorff's alpha for two binary coders."""
    n = len(a)
    agree = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    pa = Fraction(agree, n)
    pa1, pb1 = Fraction(sum(a), n), Fraction(sum(b), n)
    pe = pa1 * pb1 + (1 - pa1) * (1 - pb1)
    kappa = (pa - pe) / (1 - pe)
    n1 = sum(a) + sum(b)
    n0 = 2 * n - n1
    alpha = 1 - Fraction(2 * n - 1) * (n - agree) / (n0 * n1)
    return pa, kappa, alpha


def metric(html, code_id, name):
    row = re.search(rf'<tr data-code="{code_id}">(.*?)</tr>', html, re.S).group(1)
    value = re.search(rf'data-metric="{name}" data-value="([^"]*)"', row).group(1)
    return float(value) if value else None


def test_a_round_takes_a_layers_segments_as_excerpts(setup):
    rnd = setup["round"]
    assert list(rnd.units.values_list("start", "end")) == [(30, 40), (41, 50), (51, 60), (62, 70)]
    assert rnd.units.first().quote == TEXT_A[30:40]
    assert AuditEvent.objects.filter(action="calibration.create", object_id=rnd.pk).exists()


def test_the_results_match_an_independent_computation(study, setup, owner_client):
    rnd, (bob, erin) = setup["round"], setup["coders"]
    role, doubt = setup["codes"]
    for i, codes in enumerate([[role], [role, doubt], [], [doubt]]):
        answer(rnd, bob, i, codes)
    for i, codes in enumerate([[role], [doubt], [], [role]]):
        answer(rnd, erin, i, codes)
    html = owner_client.get(
        reverse("coding:calibration_results", args=[study.pk, rnd.pk])
    ).content.decode()
    pa, kappa, alpha = two_coder_oracle([1, 1, 0, 0], [1, 0, 0, 1])
    assert metric(html, role.pk, "pa") == pytest.approx(float(pa))
    assert metric(html, role.pk, "kappa") == pytest.approx(float(kappa))
    assert metric(html, role.pk, "alpha") == pytest.approx(float(alpha))
    pa, kappa, alpha = two_coder_oracle([0, 1, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 0, 0, 1])
    assert metric(html, "overall", "alpha") == pytest.approx(float(alpha))  # pooled binary


def test_a_coder_who_has_not_submitted_is_missing_not_no_code(study, setup, owner_client):
    rnd, (bob, erin) = setup["round"], setup["coders"]
    role = setup["codes"][0]
    for i in range(4):
        answer(rnd, bob, i, [role] if i < 2 else [])
    answer(rnd, erin, 0, [role])
    answer(rnd, erin, 2, [])
    html = owner_client.get(
        reverse("coding:calibration_results", args=[study.pk, rnd.pk])
    ).content.decode()
    assert metric(html, role.pk, "pa") == 1.0  # only the two excerpts both coded count
    assert "not yet" in html


def test_single_code_rounds_use_nominal_data(study, owner, coder, coder2, setup, owner_client):
    role, doubt = setup["codes"]
    rnd = calibration.calibration_round_create(
        study=study,
        name="Nominal",
        codes=[role, doubt],
        coders=[coder, coder2],
        single_code=True,
        spans=[(setup["t"].pk, 30, 40), (setup["t"].pk, 41, 50), (setup["t"].pk, 51, 60)],
    )
    for i, c in enumerate([role, doubt, role]):
        answer(rnd, coder, i, [c])
    for i, c in enumerate([role, doubt, doubt]):
        answer(rnd, coder2, i, [c])
    with pytest.raises(ValidationError):
        answer(rnd, coder, 0, [role, doubt])
    html = owner_client.get(
        reverse("coding:calibration_results", args=[study.pk, rnd.pk])
    ).content.decode()
    # Nominal alpha by hand: values (R,R), (D,D), (R,D): o_RD = o_DR = 1, n_R = n_D = 3, n = 6.
    assert metric(html, "overall", "alpha") == pytest.approx(1 - 5 * 2 / (3 * 3 * 2))
    assert "(nominal)" in html


def test_answering_again_replaces_the_codes_and_is_idempotent(setup):
    rnd, (bob, _) = setup["round"], setup["coders"]
    role, doubt = setup["codes"]
    answer(rnd, bob, 0, [role])
    answer(rnd, bob, 0, [doubt])
    answer(rnd, bob, 0, [doubt])
    assert list(CalibrationAnswer.objects.values_list("code_id", flat=True)) == [doubt.pk]
    assert CalibrationSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action="calibration.answer").count() == 2


def test_a_closed_round_refuses_answers(setup, owner):
    rnd, (bob, _) = setup["round"], setup["coders"]
    calibration.calibration_round_close(round=rnd, actor=owner)
    with pytest.raises(ValidationError):
        answer(rnd, bob, 0, [])


def test_the_coding_screen_is_blind_and_moves_on(study, setup, coder_client):
    rnd = setup["round"]
    url = reverse("coding:calibration_code", args=[study.pk, rnd.pk])
    page = coder_client.get(url).content.decode()
    assert "Excerpt 1 of 4" in page and TEXT_A[30:40] in page
    assert "erin" not in page  # nothing about the other coder
    response = coder_client.post(url, {"unit": 1, "codes": [setup["codes"][0].pk]})
    assert response.status_code == 302 and response["Location"].endswith("?unit=2")


def test_only_assigned_coders_code(study, setup, owner_client, viewer_client, outsider_client):
    url = reverse("coding:calibration_code", args=[study.pk, setup["round"].pk])
    assert owner_client.get(url).status_code == 403  # the owner is not assigned
    assert viewer_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 404


def test_results_are_for_owners_until_closed(study, setup, owner, coder_client, owner_client):
    rnd = setup["round"]
    url = reverse("coding:calibration_results", args=[study.pk, rnd.pk])
    assert coder_client.get(url).status_code == 403
    study.share_agreement_with_coders = True
    study.save()
    assert coder_client.get(url).status_code == 403
    owner_client.post(reverse("coding:calibration_close", args=[study.pk, rnd.pk]))
    assert coder_client.get(url).status_code == 200


def test_an_owner_creates_a_round_from_hand_picked_spans(study, setup, coder, owner_client):
    t = setup["t"]
    response = owner_client.post(
        reverse("coding:calibration_create", args=[study.pk]),
        {
            "name": "By hand",
            "source": "spans",
            "spans": f"{t.pk} 30 40\n{t.pk}, 62, 70",
            "coders": [coder.pk],
            "limit": 20,
            "codes": [setup["codes"][0].pk],
        },
    )
    assert response.status_code == 302
    rnd = CalibrationRound.objects.get(name="By hand")
    assert list(rnd.units.values_list("start", "end")) == [(30, 40), (62, 70)]


def test_a_bad_span_is_explained(study, setup, coder, owner_client):
    response = owner_client.post(
        reverse("coding:calibration_create", args=[study.pk]),
        {
            "name": "Bad",
            "source": "spans",
            "spans": f"{setup['t'].pk} 30 9999",
            "coders": [coder.pk],
            "limit": 20,
        },
    )
    assert response.status_code == 200
    assert "outside the transcript" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_create_rounds(study, setup, persona_clients, persona, status):
    url = reverse("coding:calibration_create", args=[study.pk])
    assert persona_clients[persona].get(url).status_code == status


def test_the_list_shows_a_coder_their_rounds(study, setup, coder_client):
    html = coder_client.get(reverse("coding:calibration_list", args=[study.pk])).content.decode()
    assert "Round 1" in html and "0 of 4 coded" in html and "Start coding" in html


# --- query counts (issue 11) ------------------------------------------------------------


def grow(study, owner, coders, n):
    """``n`` more rounds, each with ``n`` codes and ``n`` excerpts that every coder answered."""
    t = factories.make_transcript(study, title=f"Grown {n}", text=TEXT_A)
    codes = [factories.make_code(study, name=f"Grown {n}.{i}") for i in range(n)]
    rounds = []
    for k in range(n):
        rnd = calibration.calibration_round_create(
            study=study,
            name=f"Grown {n}.{k}",
            codes=codes,
            coders=coders,
            spans=[(t.pk, 10 * i, 10 * i + 8) for i in range(n)],
            actor=owner,
        )
        for i in range(n):
            for j, coder in enumerate(coders):
                answer(rnd, coder, i, codes[: (i + j) % (n + 1)])
        rounds.append(rnd)
    return rounds[-1]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


CALIBRATION_PAGES = {
    # Session, user, membership and study: 3 on every page, then
    # rounds, their coders (prefetch), my submissions per round, round sizes: 7.
    "list": ("owner", lambda s, r: reverse("coding:calibration_list", args=[s.pk]), 7),
    # form choices: layers, codes, coders, transcripts: 7.
    "create": ("owner", lambda s, r: reverse("coding:calibration_create", args=[s.pk]), 7),
    # round, assigned?, excerpts, my submissions, my answers, the text, the codes, the
    # excerpt's transcript title: 11.
    "code": ("coder", lambda s, r: reverse("coding:calibration_code", args=[s.pk, r.pk]), 11),
    # round, coders, codes, excerpts, submissions, answers: 9.
    "results": (
        "owner",
        lambda s, r: reverse("coding:calibration_results", args=[s.pk, r.pk]),
        9,
    ),
}


@pytest.mark.parametrize("page", list(CALIBRATION_PAGES))
def test_calibration_pages_query_count_does_not_grow_with_the_rounds(
    study, setup, owner, persona_clients, page
):
    persona, url, most = CALIBRATION_PAGES[page]
    client = persona_clients[persona]
    small = grow(study, owner, setup["coders"], 1)
    before = queries(client, url(study, small))
    large = grow(study, owner, setup["coders"], 4)
    after = queries(client, url(study, large))
    assert after == before
    assert after <= most


def test_a_superscript_digit_among_the_codes_is_ignored_not_a_server_error(
    study, setup, coder_client, coder
):
    # "²".isdigit() is true but int("²") raises: the screen keeps the real code.
    rnd, role = setup["round"], setup["codes"][0]
    url = reverse("coding:calibration_code", args=[study.pk, rnd.pk])
    response = coder_client.post(url, {"unit": 1, "codes": ["²", role.pk]})
    assert response.status_code == 302
    unit = rnd.units.order_by("pk").first()
    stored = CalibrationAnswer.objects.filter(unit=unit, coder=coder)
    assert list(stored.values_list("code_id", flat=True)) == [role.pk]
