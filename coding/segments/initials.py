"""Short, unique initials for coding layers (the margin blocks of "All")."""

from __future__ import annotations

import re
from collections.abc import Mapping

_WORD_SPLIT = re.compile(r"[\s_.\-@]+")


def _base_initials(name: str) -> str:
    parts = [p for p in _WORD_SPLIT.split(name) if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def unique_initials(names: Mapping[int, str]) -> dict[int, str]:
    """Short labels for layers (key -> name), unique among ``names`` and deterministic.

    Two letters from the name ("Maria Chan" -> "MC", "coder1" -> "CO"); names that would
    share them keep their first letter and add the first character that tells them apart
    from all the others ("coder1", "coder2" -> "C1", "C2"); anything still equal gets a
    number, in name order. The result depends only on the set of names.
    """
    ordered = sorted(names.items(), key=lambda item: (item[1].lower(), item[1], item[0]))
    base = {key: _base_initials(name) for key, name in ordered}
    groups: dict[str, list[int]] = {}
    for key, _ in ordered:
        groups.setdefault(base[key], []).append(key)
    result: dict[int, str] = {}
    for initials, keys in groups.items():
        if len(keys) == 1:
            result[keys[0]] = initials
            continue
        folded = {k: "".join(ch for ch in names[k].lower() if ch.isalnum()) for k in keys}
        for key in keys:
            mine = folded[key]
            others = [folded[k] for k in keys if k != key]
            pick = next(
                (
                    ch
                    for i, ch in enumerate(mine)
                    if i > 0 and all(i >= len(o) or o[i] != ch for o in others)
                ),
                None,
            )
            result[key] = (mine[:1] + pick).upper() if mine and pick else initials
    seen: dict[str, int] = {}
    for key, _ in ordered:
        label = result[key]
        n = seen.get(label, 0) + 1
        seen[label] = n
        if n > 1:
            while f"{label}{n}" in seen:
                n += 1
            seen[f"{label}{n}"] = 1
            result[key] = f"{label}{n}"
    return result
