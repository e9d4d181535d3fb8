"""The coding page's previous/next links: same participant by wave, same wave by participant."""

from __future__ import annotations

from django.urls import reverse

from tests import factories


def test_it_links_the_neighbours_of_participant_and_wave(study, coder, coder_client):
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2", "T3")]
    group = factories.make_group(study, name="Service users")
    p1, p2, p3 = (
        factories.make_participant(study, pseudonym=n, group=group)
        for n in ("SU01", "SU02", "SU03")
    )
    t = {
        (p.pseudonym, w.name): factories.make_transcript(
            study, title=f"{p.pseudonym} {w.name}", participant=p, wave=w
        )
        for p, w in ((p1, waves[0]), (p1, waves[1]), (p1, waves[2]), (p2, waves[1]), (p3, waves[1]))
    }
    here = t[("SU02", "T2")]
    response = coder_client.get(reverse("coding:transcript_code", args=[study.pk, here.pk]))
    nav = response.context["nav"]
    assert nav["prev_participant"] is None and nav["next_participant"] is None  # SU02 has one
    assert (nav["prev_wave"].pk, nav["prev_wave"].pseudonym) == (t[("SU01", "T2")].pk, "SU01")
    assert (nav["next_wave"].pk, nav["next_wave"].pseudonym) == (t[("SU03", "T2")].pk, "SU03")

    response = coder_client.get(
        reverse("coding:transcript_code", args=[study.pk, t[("SU01", "T2")].pk])
    )
    nav = response.context["nav"]
    assert (nav["prev_participant"].pk, nav["prev_participant"].wave_name) == (
        t[("SU01", "T1")].pk,
        "T1",
    )
    assert (nav["next_participant"].pk, nav["next_participant"].wave_name) == (
        t[("SU01", "T3")].pk,
        "T3",
    )
    assert nav["prev_wave"] is None
    html = response.text
    assert f'href="/studies/{study.pk}/transcripts/{t[("SU01", "T3")].pk}/?layer=' in html
    assert '<span translate="no">T3</span> →' in html
