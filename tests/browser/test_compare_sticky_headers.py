"""The comparison views' wide tables keep their row headers (code, participant or group
names) in view while the table scrolls sideways in its box: the name column is sticky and
opaque, so the cells scroll under it and the names stay readable."""

from __future__ import annotations

import pytest

from studies.models import Role
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Narrow a table's box (so every table overflows it, however few its columns here), scroll it
# to its far right; then report where its first body row header is and
# which element is painted at that header's centre (the header itself if it is on top).
PROBE = """(sel) => {
  const table = document.querySelector(sel);
  const box = table.closest('.table-scroll');
  box.style.maxWidth = '16rem';
  const th = table.querySelector('tbody th[scope=row]');
  th.scrollIntoView({block: 'center'});
  box.scrollLeft = box.scrollWidth;
  const r = th.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
  const corner = table.querySelector('thead th');
  corner.scrollIntoView({block: 'center', inline: 'nearest'});
  box.scrollLeft = box.scrollWidth;
  const c = corner.getBoundingClientRect();
  const cornerHit = document.elementFromPoint(c.left + 4, c.top + c.height / 2);
  return {scrolled: box.scrollLeft, overflow: box.scrollWidth - box.clientWidth,
          left: r.left - b.left, onTop: th.contains(hit),
          cornerLeft: c.left - b.left, cornerOnTop: corner.contains(cornerHit)};
}"""


@pytest.fixture
def setup():
    study = factories.make_study(name="Sticky names")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    coders = []
    for name in ("bob", "erin"):
        user = factories.make_user(username=name)
        factories.add_member(study, user, Role.CODER)
        coders.append(user)
    build_compare_study(study, pi, coders, per_layer=8)
    return study, pi


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("compare/?layer=consensus&measure=segments&rollup=1", "#compare-matrix"),
        ("compare/cooccurrence/?layer=consensus", "#cooccurrence-matrix"),
        ("compare/trajectories/?layer=consensus", "#trajectory-grid"),
        ("compare/framework/?layer=consensus", "#framework-matrix"),
    ],
)
def test_the_name_column_stays_in_view_on_horizontal_scroll(page, login_as, setup, path, table):
    study, pi = setup
    login_as(pi)
    page.set_viewport_size({"width": 1400, "height": 800})
    page.goto(f"/studies/{study.pk}/{path}")
    page.locator(table).wait_for()
    probe = page.evaluate(PROBE, table)
    assert probe["overflow"] > 0 and probe["scrolled"] > 0, probe
    assert abs(probe["left"]) <= 1 and probe["onTop"], probe
    assert abs(probe["cornerLeft"]) <= 1 and probe["cornerOnTop"], probe
    name = table.lstrip("#")
    page.screenshot(path=f"/tmp/wf/sticky_{name}.png")
