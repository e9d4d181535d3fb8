"""Bounded reading of uploads: refuse a file, a zip member or a zip package's parts as soon as
it passes a size limit, with a message naming the file and the limit (:class:`UploadTooLarge`).
"""

from __future__ import annotations

import io
import re
import zipfile

from studies.text import TextDecodeError


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


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
            f"{filename}: {mb(size)} is larger than the limit of {mb(limit)}{what}."
        )
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(
                f"{filename}: is larger than the limit of {mb(limit)}{what}; nothing was imported."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def zip_member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str):
    """The unpacked bytes of one zip member, refused above ``limit`` (declared or actual)."""
    if info.file_size > limit:
        raise UploadTooLarge(
            f"{name}: unpacks to {mb(info.file_size)}, more than the limit of {mb(limit)} per file."
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
        raise TextDecodeError(f"{filename}: is not a readable {kind} file ({exc}).") from exc
    if len(infos) > 10_000:
        raise UploadTooLarge(f"{filename}: holds {len(infos):,} parts; the limit is 10,000.")
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.file_size > part_limit or declared > total_limit:
            raise UploadTooLarge(
                f"{filename}: its part {info.filename} unpacks to {mb(info.file_size)} "
                f"(limit {mb(part_limit)} per part, {mb(total_limit)} in all); "
                "nothing was imported."
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
                            f"{filename}: its part {info.filename} unpacks to more than the "
                            f"limit of {mb(part_limit)}; nothing was imported."
                        )
                    if xml and _DTD.search(tail + chunk):
                        raise TextDecodeError(
                            f"{filename}: {info.filename} declares a DTD or entities, which "
                            f"{kind} files never contain; it was refused."
                        )
                    if xml and element_limit is not None:
                        elements += chunk.count(b"<") - chunk.count(b"</")
                        if elements > element_limit:
                            raise UploadTooLarge(
                                f"{filename}: its part {info.filename} has more than "
                                f"{element_limit:,} XML elements, the limit per part; "
                                "nothing was imported."
                            )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise TextDecodeError(f"{filename}: is not a readable {kind} file ({exc}).") from exc
