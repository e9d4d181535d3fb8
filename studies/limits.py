"""Bounded reading of uploads: refuse a file, a zip member or a zip package's parts as soon as
it passes a size limit, with a message naming the file and the limit (:class:`UploadTooLarge`).
"""

from __future__ import annotations

import io
import re
import zipfile

from django.utils.translation import gettext

from studies.text import TextDecodeError


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _per(what: str, whole: str, per_file: str, unpacked: str) -> str:
    """The message of :func:`read_limited` for its ``what`` ("", " per file", " per file
    (unpacked)"), each a sentence of its own so that it translates whole."""
    return {" per file": per_file, " per file (unpacked)": unpacked}.get(what, whole)


class UploadTooLarge(TextDecodeError):
    """An upload (or a part of it) is over a size limit; the message names file and limit."""


_CHUNK = 64 * 1024


def read_limited(stream, limit: int, filename: str, *, what: str = "") -> bytes:
    """Read a file-like object in chunks, refusing as soon as it passes ``limit`` bytes.

    Memory stays at most ``limit`` plus one chunk whatever the stream holds (a zip member
    that unpacks far beyond its declared size, an upload of unknown length).
    """
    size = getattr(stream, "size", None)
    if isinstance(size, int) and size > limit:
        raise UploadTooLarge(
            _per(
                what,
                gettext("%(filename)s: %(size)s is larger than the limit of %(limit)s."),
                gettext("%(filename)s: %(size)s is larger than the limit of %(limit)s per file."),
                gettext(
                    "%(filename)s: %(size)s is larger than the limit of %(limit)s per file "
                    "(unpacked)."
                ),
            )
            % {"filename": filename, "size": mb(size), "limit": mb(limit)}
        )
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(
                _per(
                    what,
                    gettext(
                        "%(filename)s: is larger than the limit of %(limit)s; nothing was imported."
                    ),
                    gettext(
                        "%(filename)s: is larger than the limit of %(limit)s per file; nothing "
                        "was imported."
                    ),
                    gettext(
                        "%(filename)s: is larger than the limit of %(limit)s per file "
                        "(unpacked); nothing was imported."
                    ),
                )
                % {"filename": filename, "limit": mb(limit)}
            )
        chunks.append(chunk)
    return b"".join(chunks)


def zip_member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str):
    """The unpacked bytes of one zip member, refused above ``limit`` (declared or actual)."""
    if info.file_size > limit:
        raise UploadTooLarge(
            gettext("%(filename)s: unpacks to %(size)s, more than the limit of %(limit)s per file.")
            % {"filename": name, "size": mb(info.file_size), "limit": mb(limit)}
        )
    with archive.open(info) as handle:
        return read_limited(handle, limit, name, what=" per file (unpacked)")


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_zip_parts(
    data: bytes,
    filename: str,
    *,
    part_limit: int,
    total_limit: int,
    element_limit: int | None = None,
    kind: str = ".docx",
) -> None:
    """Refuse a zip package (.docx) whose parts unpack beyond the limits or declare a DTD.

    Declared sizes are checked first (a bomb is refused without unpacking anything), then
    every part is unpacked in chunks and counted, so a part that lies about its size is
    stopped at the limit too. Office XML never needs a DTD; entity declarations are refused.
    ``element_limit`` caps the elements of each XML part (counted as tags while unpacking),
    which bounds the time to parse a part of tiny elements that compresses to nothing.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": kind, "error": exc}
        ) from exc
    if len(infos) > 10_000:
        raise UploadTooLarge(
            gettext("%(filename)s: holds %(n)s parts; the limit is 10,000.")
            % {"filename": filename, "n": f"{len(infos):,}"}
        )
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.file_size > part_limit or declared > total_limit:
            raise UploadTooLarge(
                gettext(
                    "%(filename)s: its part %(part)s unpacks to %(size)s (limit %(limit)s per "
                    "part, %(total)s in all); nothing was imported."
                )
                % {
                    "filename": filename,
                    "part": info.filename,
                    "size": mb(info.file_size),
                    "limit": mb(part_limit),
                    "total": mb(total_limit),
                }
            )
    total = 0
    for info in infos:
        xml = info.filename.lower().endswith((".xml", ".rels"))
        size, tail, elements = 0, b"", 0
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > part_limit or total > total_limit:
                        raise UploadTooLarge(
                            gettext(
                                "%(filename)s: its part %(part)s unpacks to more than the limit "
                                "of %(limit)s; nothing was imported."
                            )
                            % {"filename": filename, "part": info.filename, "limit": mb(part_limit)}
                        )
                    if xml and _DTD.search(tail + chunk):
                        raise TextDecodeError(
                            gettext(
                                "%(filename)s: %(part)s declares a DTD or entities, which "
                                "%(kind)s files never contain; it was refused."
                            )
                            % {"filename": filename, "part": info.filename, "kind": kind}
                        )
                    if xml and element_limit is not None:
                        elements += chunk.count(b"<") - chunk.count(b"</")
                        if elements > element_limit:
                            raise UploadTooLarge(
                                gettext(
                                    "%(filename)s: its part %(part)s has more than %(n)s XML "
                                    "elements, the limit per part; nothing was imported."
                                )
                                % {
                                    "filename": filename,
                                    "part": info.filename,
                                    "n": f"{element_limit:,}",
                                }
                            )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise TextDecodeError(
                gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
                % {"filename": filename, "kind": kind, "error": exc}
            ) from exc
