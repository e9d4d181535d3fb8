"""The themes board's prevalence trail in Traditional Chinese (Hong Kong): the words between
the counts are the interface's ("「T1」1/2"), never English ("1/2 at T1"); the study's names
(groups, waves) stay as written and are marked as such (translate="no")."""

from __future__ import annotations

import lxml.html
import pytest

from coding.themes import services
from studies.models import Role
from tests import factories
from tests.i18n.english import english_strings


@pytest.fixture
def board(db):
    study = factories.make_study(name="Board")
    owner = factories.make_user(username="pi-hk")
    factories.add_member(study, owner, Role.OWNER)
    group = factories.make_group(study, name="PSW", position=0)
    waves = [factories.make_wave(study, name=f"T{i} wave", position=i) for i in (1, 2)]
    code = factories.make_code(study, name="Role confusion")
    layer = factories.make_layer(study, user=owner)
    for name in ("PSW01", "PSW02"):
        person = factories.make_participant(study, pseudonym=name, group=group)
        for wave in waves:
            t = factories.make_transcript(
                study, participant=person, wave=wave, title=f"{name} {wave.name}"
            )
            if (name, wave.name) != ("PSW02", "T2 wave"):
                factories.make_segment(t, code, layer, 0, 3)
    services.theme_create(study=study, actor=owner, name="Becoming", codes=[code])
    return {"study": study, "owner": owner}


def _trail(client, study, language):
    response = client.get(f"/studies/{study.pk}/themes/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    items = lxml.html.fromstring(html).xpath("//ul[contains(@class, 'change-list')]/li")
    return html, [item.text_content() for item in items]


def test_the_board_trail_reads_in_chinese(client, board):
    client.force_login(board["owner"])
    html, trail = _trail(client, board["study"], "zh-HK")
    assert trail == ["PSW：「T1 wave」2/2 → 「T2 wave」1/2"]
    assert not english_strings(html, ["Board", "Becoming", "Role confusion"], frozenset({"pi-hk"}))


def test_the_board_trail_reads_in_english(client, board):
    client.force_login(board["owner"])
    _, trail = _trail(client, board["study"], "en")
    assert trail == ["PSW: 2/2 at T1 wave → 1/2 at T2 wave"]
