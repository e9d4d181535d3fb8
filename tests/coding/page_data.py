"""Reading the coding page's segment table (the ``segments-data`` script) in tests."""

from __future__ import annotations

import json
import re

_SCRIPT = re.compile(r'<script id="segments-data" type="application/json">(.*?)</script>', re.S)


def segment_table(html: str) -> dict[int, dict]:
    """Segment id -> {start, end, code, who, writable, memo, review, date} from the page."""
    data = json.loads(_SCRIPT.search(html).group(1))
    layers = data["layers"]
    return {
        row[0]: {
            "start": row[1],
            "end": row[2],
            "code": row[3],
            "who": layers[row[4]][0],
            "writable": bool(layers[row[4]][1]),
            "memo": row[5],
            "review": bool(row[6]),
            "date": row[7],
        }
        for row in data["segs"]
    }
