"""A theme's page, "Change across waves", in Traditional Chinese (Hong Kong): the colon and
brackets between the study's names are the catalogue's (full width), and only the study's
names (groups, waves) are marked translate="no", never the interface's words."""

from __future__ import annotations

import lxml.html
import pytest

from coding.themes import services
from studies.models import Role
from tests import factories


@pytest.fixture
def theme(db):
    study = factories.make_study(name="Board")
    owner = factories.make_user(username="pi-hk")
    factories.add_member(study, owner, Role.OWNER)
    group = factories.make_group(study, name="PSW", position=0)
    waves = [factories.make_wave(study, name=f"T{i} wave", position=i) for i in (1, 2, 3)]
    code = factories.make_code(study, name="Role confusion")
    layer = factories.make_layer(study, user=owner)
    coded = {("PSW01", "T1 wave"), ("PSW02", "T1 wave"), ("PSW01", "T2 wave")}
    for name in ("PSW01", "PSW02"):
        person = factories.make_participant(study, pseudonym=name, group=group)
        for wave in waves:
            t = factories.make_transcript(
                study, participant=person, wave=wave, title=f"{name} {wave.name}"
            )
            if (name, wave.name) in coded:
                factories.make_segment(t, code, layer, 0, 3)
    theme = services.theme_create(study=study, actor=owner, name="Becoming", codes=[code])
    return {"study": study, "owner": owner, "theme": theme}


def _change(client, theme, language):
    url = f"/studies/{theme['study'].pk}/themes/{theme['theme'].pk}/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content.decode())
    heading = doc.xpath("//h3[@id='change-h']")[0]
    line = heading.getnext()
    steps = [li.text_content() for li in doc.xpath("//ul[contains(@class, 'change-list')]/li")]
    kept = [el.text_content() for el in line.xpath(".//*[@translate='no']")]
    kept += [
        el.text_content()
        for el in doc.xpath("//ul[contains(@class, 'change-list')]//*[@translate='no']")
    ]
    return line.text_content(), steps, kept


def test_the_change_across_waves_reads_in_chinese(client, theme):
    client.force_login(theme["owner"])
    line, steps, kept = _change(client, theme, "zh-HK")
    assert line == "PSW：「T1 wave」2/2 → 「T3 wave」0/2（整體消失）"
    assert steps == [
        "下降：「T1 wave」2/2 → 「T2 wave」1/2",
        "消失：「T2 wave」1/2 → 「T3 wave」0/2",
    ]
    assert set(kept) == {"PSW", "T1 wave", "T2 wave", "T3 wave"}


def test_the_change_across_waves_reads_in_english(client, theme):
    client.force_login(theme["owner"])
    line, steps, kept = _change(client, theme, "en")
    assert line == "PSW: 2/2 at T1 wave → 0/2 at T3 wave (disappears overall)"
    assert steps == [
        "Falls: 2/2 at T1 wave → 1/2 at T2 wave",
        "Disappears: 1/2 at T2 wave → 0/2 at T3 wave",
    ]
    assert set(kept) == {"PSW", "T1 wave", "T2 wave", "T3 wave"}
