"""A .qdpx's recordings on import (issue 15): each ``AudioSource``/``VideoSource`` with its
``Transcript`` and ``SyncPoint``s becomes the transcript's text (the ``TextSource`` with the
same text file, as this workbench exports it, or a source of its own), a
:class:`studies.models.TranscriptMedia` and the transcript's turn times.

The file inside the archive goes through the upload's checks (:func:`studies.media.check_upload`:
the size limit WORKBENCH_MAX_MEDIA_BYTES, the name's ending and the content's first bytes);
a missing, oversized or unplayable file is one warning of the report, and everything else
is imported. SyncPoints count positions as the text's selections do (the source's
convention, :mod:`coding.exchange.offsets`); a point where a turn's line ends, after that
turn's start, is the turn's end (:func:`coding.exchange.media_export.sync_points`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext, ngettext

from coding.exchange.parse import (
    _child,
    _child_text,
    _children,
    _clean,
    _int,
    _key,
    _read_source_text,
    _SourceIn,
)


@dataclass
class _MediaIn:
    key: str
    name: str
    where: str
    member: str | None  # the file's archive member (None: not in the archive)
    path: str
    text_member: str | None  # the Transcript's text file in the archive
    source_key: str = ""  # the source that carries the text
    points: list[tuple[int, int]] = field(default_factory=list)  # (position, ms)
    problem: str = ""  # why the file is not imported (one report line)


def parse_media(source, archive, parsed, report, text_limit: int) -> None:
    """An ``AudioSource``/``VideoSource``: its file's member and its (first) Transcript's
    sync points; a Transcript whose text is no TextSource's becomes a source of its own
    (:func:`link_media`). Codings on the recording itself stay skipped."""
    label = "audio recordings" if source.tag == "AudioSource" else "video recordings"
    codings = sum(1 for el in source.iter() if el.tag == "Coding")
    report.skip(f"codings on {label} (the text's codings are imported)", codings)
    path = source.get("path") or source.get("currentPath") or ""
    name = " ".join((source.get("name") or "").split()) or posixpath.basename(path)
    where = gettext("Recording “%(name)s”") % {"name": name or _key(source.get("guid"))}
    transcripts = _children(source, "Transcript")
    if not transcripts:
        report.warn(gettext("%(where)s: has no transcript; not imported.") % {"where": where})
        report.skip(label + " without a transcript")
        return
    if len(transcripts) > 1:
        report.warn(
            ngettext(
                "%(where)s: has %(count)d transcript; the first was imported.",
                "%(where)s: has %(count)d transcripts; the first was imported.",
                len(transcripts),
            )
            % {"where": where, "count": len(transcripts)}
        )
    transcript = transcripts[0]
    media = _MediaIn(
        key=_key(source.get("guid")),
        name=name,
        where=where,
        member=archive.source_file(path) if archive and path else None,
        path=path,
        text_member=(
            archive.source_file(transcript.get("plainTextPath") or "") if archive else None
        ),
    )
    for point in _children(transcript, "SyncPoint"):
        position, millis = _int(point.get("position")), _int(point.get("timeStamp"))
        if position is not None and millis is not None and position >= 0 and millis >= 0:
            media.points.append((position, millis))
    media.points.sort()
    own = _SourceIn(
        key=_key(transcript.get("guid")) or media.key,
        name=" ".join((transcript.get("name") or "").split()) or name,
        raw=None,
        bom=False,
        selections=[],
        note_refs=[],
        values={},
        where=where,
        description=_clean(_child_text(transcript, "Description")).strip(),
    )
    media.source_key = own.key
    parsed.media.append((media, own, transcript))


def read_media(root, archive, parsed, report) -> None:
    """The project's recordings (:func:`parse_media`), each linked to its text
    (:func:`link_media`); after the rest of the project is parsed."""
    from django.conf import settings

    if report.errors:
        return  # refused already (too many sources...)
    text_limit = settings.WORKBENCH_MAX_UPLOAD_BYTES * 4  # as for the text sources
    sources_el = _child(root, "Sources")
    for source in list(sources_el) if sources_el is not None else []:
        if source.tag in ("AudioSource", "VideoSource"):
            parse_media(source, archive, parsed, report, text_limit)
    if parsed.media:
        link_media(root, archive, parsed, report, text_limit)


def link_media(root, archive, parsed, report, text_limit: int) -> None:
    """Each recording's text: the TextSource reading the same text file, else its own
    Transcript read as a source (added to ``parsed.sources``)."""
    by_member = {}
    sources_el = _child(root, "Sources")
    keys = {s.key for s in parsed.sources}
    for element in _children(sources_el, "TextSource") if sources_el is not None else []:
        key = _key(element.get("guid"))
        member = archive.source_file(element.get("plainTextPath") or "") if archive else None
        if member and key in keys:
            by_member.setdefault(member, key)
    linked = []
    for media, own, transcript in parsed.media:
        if media.text_member and media.text_member in by_member:
            media.source_key = by_member[media.text_member]
        else:
            own.raw, own.bom = _read_source_text(
                transcript, own.name, media.where, archive, report, text_limit
            )
            parsed.sources.append(own)
        linked.append(media)
    parsed.media = linked


def check_media(media: _MediaIn, archive, report) -> File | None:
    """The recording's file, opened and checked as an upload is, or None (a warning says
    why)."""
    from studies.media import check_upload

    if media.member is None:
        report.warn(
            gettext(
                "%(where)s: its file “%(path)s” is not in the archive; the transcript and its "
                "turn times were imported without it (attach it on the transcript's page)."
            )
            % {"where": media.where, "path": media.path}
        )
        return None
    info = archive.archive.getinfo(archive.members[media.member].filename)
    from studies.media import EXTENSIONS

    name = media.name
    if posixpath.splitext(name.lower())[1] not in EXTENSIONS:
        name = posixpath.basename(info.filename)  # the file's own ending
    handle = File(archive.archive.open(info), name=name)
    handle.size = info.file_size
    try:
        check_upload(handle)
    except ValidationError as exc:
        handle.close()
        report.warn(
            gettext(
                "%(where)s: %(reason)s The transcript and its turn times were imported without it."
            )
            % {"where": media.where, "reason": " ".join(exc.messages)}
        )
        return None
    return handle


def turn_times(points: list[tuple[int, int]], text: str, place) -> list[list]:
    """``[[offset, start], ...]`` (``[offset, start, end]`` when a point ends the turn's line)
    from the sync points, ``place(position)`` giving the code point on the canonical text."""
    times: list[list] = []
    for position, millis in points:
        offset = place(position)
        seconds = millis / 1000
        seconds = int(seconds) if seconds == int(seconds) else seconds
        if not 0 <= offset <= len(text):
            continue
        if times and len(times[-1]) == 2 and offset > times[-1][0]:
            line_end = text.find("\n", times[-1][0])
            line_end = len(text) if line_end < 0 else line_end
            if offset == line_end and seconds >= times[-1][1]:
                times[-1].append(seconds)  # the end of the turn before
                continue
        if offset >= len(text) or (times and offset <= times[-1][0]):
            continue
        times.append([offset, seconds])
    return times


def _point_convention(points, prepared):
    """How the sync points count: as the source's selections do when it has any; otherwise
    (a transcript coded nowhere) the convention that puts most points at a line's start or
    end, as turn times are (ties: the source's own)."""
    from coding.exchange.offsets import _conventions

    own = prepared.convert or (lambda position: position)
    raw = prepared.source.raw or ""
    if prepared.source.selections or not points:
        return own

    def score(convert):
        hits = 0
        for position, _millis in points:
            at = convert(position)
            hits += (
                at == 0 or at == len(raw) or raw[at - 1 : at] == "\n" or raw[at : at + 1] == "\n"
            )
        return hits

    best, best_score = own, score(own)
    for convert in _conventions(raw, prepared.source.bom).values():
        if (found := score(convert)) > best_score:
            best, best_score = convert, found
    return best


def plan_media(plan, prepared_sources) -> None:
    """Turn times for the recordings' transcripts (new ones, or matched ones that have
    none) and the checked files to attach once they are written (``plan.media``)."""
    parsed, report = plan.parsed, plan.report
    index_of = {p.source.key: i for i, p in enumerate(prepared_sources)}
    plan.media = []
    for media in getattr(parsed, "media", []):
        index = index_of.get(media.source_key)
        transcript = plan.transcript_for.get(index) if index is not None else None
        if transcript is None:
            report.warn(
                gettext("%(where)s: its transcript has no text; not imported.")
                % {"where": media.where}
            )
            continue
        prepared = prepared_sources[index]
        convert = _point_convention(media.points, prepared)

        def place(position, prepared=prepared, convert=convert):
            raw = convert(position)
            return prepared.canon.span(raw, raw)[0] if prepared.canon else raw

        times = turn_times(media.points, prepared.text, place)
        plan.media.append((media, transcript, times))


def write_media(plan, archive, actor) -> None:
    """After the transcripts are written: their turn times and recordings."""
    from studies.media import attach_media
    from studies.models import Transcript, TranscriptMedia

    report = plan.report
    for media, transcript, times in plan.media:
        if isinstance(transcript, int):
            transcript = Transcript.objects.get(pk=transcript)
            held = TranscriptMedia.objects.filter(transcript=transcript).first()
            if held is not None:
                info = archive.members.get(media.member) if media.member else None
                if info is None or info.file_size != held.size:
                    report.warn(
                        gettext(
                            "%(where)s: “%(title)s” has another recording already; kept "
                            "(replace it on the transcript's page)."
                        )
                        % {"where": media.where, "title": transcript.title}
                    )
                continue  # the same file imported again: nothing to do
        if times and not transcript.turn_times:
            transcript.turn_times = times
            transcript.save(update_fields=["turn_times"])
        handle = check_media(media, archive, report)
        if handle is None:
            continue
        try:
            attach_media(transcript=transcript, upload=handle, actor=actor)
        except ValidationError as exc:
            report.warn(
                gettext("%(where)s: %(reason)s")
                % {"where": media.where, "reason": " ".join(exc.messages)}
            )
            continue
        finally:
            handle.close()
        report.count("recordings_imported")
