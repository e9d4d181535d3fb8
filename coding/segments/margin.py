"""What the page's script needs to draw the coding page's margin (static/js/coding/margin.js).

The server writes each turn's text and runs, and a ``data-m`` attribute with the stripe
lanes and label places of the segments on it (coding/segments/runs.py): the stripes,
labels and "+N" chips themselves are drawn by the script from that and the segment table
(``segments-data``). The table carries, besides its rows, what a stripe looks like that
the rows do not say: each code's stroke colour (darkened for contrast on white, as the
underlines are) and, in "All", each layer's margin block and initials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from coding.segments.layout import stroke_color
from coding.segments.looks import SegmentLook


def strokes(rows: Iterable[tuple], looks: Mapping[int, SegmentLook]) -> dict[str, str]:
    """Code id (as a JSON key) -> the stroke of its segments' stripes and underlines."""
    out: dict[str, str] = {}
    for row in rows:
        key = str(row[3])
        if key not in out:
            out[key] = stroke_color(looks[row[0]].color)
    return out


def table_fields(
    rows: Iterable[tuple],
    looks: Mapping[int, SegmentLook],
    layer_index: Mapping[int, int],
    block_of_layer: Mapping[int, int],
    initials: Mapping[int, str],
) -> dict:
    """The segment table's margin fields: ``strokes`` and, when the margin is in blocks
    ("All" of several layers), ``blocks`` (each layer index's block, -1 for a layer
    without segments) and ``ini`` (each layer index's initials)."""
    fields: dict = {"strokes": strokes(rows, looks)}
    if block_of_layer:
        order = sorted(layer_index, key=layer_index.__getitem__)
        fields["blocks"] = [block_of_layer.get(pk, -1) for pk in order]
        fields["ini"] = [initials.get(pk, "") for pk in order]
    return fields
