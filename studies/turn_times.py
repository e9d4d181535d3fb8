"""A transcript's turn times (``Transcript.turn_times``: [code-point offset, seconds] pairs,
or [offset, start, end] when captions gave the turn's end, from captions or ``[hh:mm:ss]``
markers) kept valid when its text is edited."""

from __future__ import annotations

from studies.offset_map import OffsetMap
from studies.readers import marker_times


def _moved_turn_times(turn_times: list, mapping: OffsetMap, length: int) -> list:
    """Caption turn starts mapped to the new text; a turn whose start was deleted, or that
    now starts where an earlier one does, loses its time (the earlier one is kept)."""
    moved, seen = [], set()
    for offset, *seconds in turn_times or []:
        position = mapping.position(offset, is_end=False)
        if position >= length or position in seen:
            continue
        seen.add(position)
        moved.append([position, *seconds])
    return moved


def edited_turn_times(turn_times: list, old_text: str, new_text: str, mapping) -> list:
    """The turn times after an edit. Times read from ``[hh:mm:ss]`` markers are read again
    from the new text (a marker typed, changed or deleted is followed); caption times move
    with the text (:func:`_moved_turn_times`), and a marker in the new text overrides the
    time at its place."""
    markers = marker_times(new_text)
    if turn_times and turn_times == marker_times(old_text):
        return markers
    times = {
        offset: rest for offset, *rest in _moved_turn_times(turn_times, mapping, len(new_text))
    }
    times.update((offset, [seconds]) for offset, seconds in markers)
    return [[offset, *times[offset]] for offset in sorted(times)]
