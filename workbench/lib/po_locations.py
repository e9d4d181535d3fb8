"""Keep a message catalogue's ``#:`` location comments one line per entry.

gettext 0.21's ``xgettext``/``msgmerge`` wrap location comments at 79 columns even with
``--no-wrap``, so ``make messages`` on one machine re-wraps lines another wrote on one line and
every merge of the catalogue conflicts on comments. ``python -m workbench.lib.po_locations
FILE...`` joins each entry's consecutive ``#:`` lines back into one.
"""

from __future__ import annotations

import sys
from pathlib import Path


def join_locations(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith("#: ") and out and out[-1].startswith("#: "):
            out[-1] += " " + line[3:]
        else:
            out.append(line)
    return "\n".join(out)


def main(paths: list[str]) -> None:
    for name in paths:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        joined = join_locations(text)
        if joined != text:
            path.write_text(joined, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
