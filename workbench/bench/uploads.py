"""Upload bombs, and the bench operation that times their refusal (issue 9 §1).

The builders are shared with the tests (tests/studies/test_upload_limits.py). The bench
keys ``bomb_<kind>_refusal`` report the time and the peak of Python memory (tracemalloc)
of one refused request through the test client, and the status it answered.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from workbench.bench import harness as bench

_DOCX_SKELETON = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    ),
}
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_package(document_xml: bytes) -> bytes:
    """A minimal .docx around ``document_xml`` (python-docx opens it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, xml in _DOCX_SKELETON.items():
            archive.writestr(name, xml)
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def docx_bomb(megabytes: int = 105) -> bytes:
    """A .docx of a few hundred KB whose word/document.xml unpacks to ``megabytes`` MB."""
    paragraph = b"<w:p><w:r><w:t>" + b"a" * 1000 + b"</w:t></w:r></w:p>"
    count = megabytes * 1_000_000 // len(paragraph)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'.encode()
        + paragraph * count
        + b"</w:body></w:document>"
    )
    return docx_package(xml)


def docx_tiny_elements_bomb(megabytes: int = 20) -> bytes:
    """A .docx of a few KB whose document.xml (within the byte limit) is millions of empty
    paragraphs: cheap to unpack, slow to parse."""
    xml = (
        f'<w:document xmlns:w="{_W}"><w:body>'.encode()
        + b"<w:p/>" * (megabytes * 1_000_000 // 6)
        + b"</w:body></w:document>"
    )
    return docx_package(xml)


def zip_bomb(members: int = 60, chars: int = 2_000_000) -> bytes:
    """A small zip of ``members`` highly compressible texts of ``chars`` characters each,
    with a manifest.csv naming them all."""
    buffer = io.BytesIO()
    rows = ["file,participant,group,wave,title"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        body = ("Interviewer: " + "a" * (chars - 13)).encode()
        for i in range(members):
            archive.writestr(f"t{i:03}.txt", body)
            rows.append(f"t{i:03}.txt,,,,")
        archive.writestr("manifest.csv", "\n".join(rows) + "\n")
    return buffer.getvalue()


def csv_bomb(megabytes: int = 20) -> bytes:
    """A participants CSV of ``megabytes`` MB (many rows with long attribute cells)."""
    line = b"P%07d,," + b"x" * 180 + b"\n"
    count = megabytes * 1_000_000 // (len(line) + 4)
    return b"pseudonym,group,notes\n" + b"".join(
        line.replace(b"%07d", b"%07d" % i) for i in range(count)
    )


def txt_bomb(megabytes: int = 6) -> bytes:
    return b"Interviewer: " + b"a" * (megabytes * 1_000_000)


def qdpx_bomb(megabytes: int = 90) -> bytes:
    """A small .qdpx whose project.qde unpacks to ``megabytes`` MB of XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "project.qde",
            b'<?xml version="1.0"?><Project name="x"><Sources>'
            + b"<TextSource/>" * (megabytes * 1_000_000 // 13)
            + b"</Sources></Project>",
        )
    return buffer.getvalue()


def post_measured(client, url: str, field: str, name: str, data: bytes):
    """POST one file through ``client``'s full handler (middleware, session, view) and return
    ``(response, figures)``: wall time and peak Python memory (tracemalloc) of the request.

    The multipart body is encoded before measuring, so the figures are the server's cost.
    """
    body = encode_multipart(BOUNDARY, {field: SimpleUploadedFile(name, data)})
    environ = client._base_environ(
        PATH_INFO=url,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": FakePayload(body)},
    )
    del body
    tracemalloc.start()
    started = time.perf_counter()
    response = client.handler(environ)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {
        "bytes": len(data),
        "ms": round(elapsed * 1000, 1),
        "peak_mb": round(peak / 1e6, 1),
        "status": response.status_code,
    }
    return response, figures


@bench.operation("bomb_refusals", n=1, warmup=0)
def bomb_refusals(ctx: bench.Context):
    client = ctx.clients["pi"]
    pk = ctx.study.pk
    upload_url = reverse("studies:transcript_upload", args=[pk])
    bulk_url = reverse("studies:transcript_bulk_import", args=[pk])
    csv_url = reverse("studies:participant_import", args=[pk])
    qdpx_url = reverse("coding:qdpx_import", args=[pk])
    codebook_url = reverse("coding:codebook_import", args=[pk])
    bombs = {
        "bomb_docx_refusal": (upload_url, "files", "bomb.docx", docx_bomb()),
        "bomb_docx_elements_refusal": (
            upload_url,
            "files",
            "tiny.docx",
            docx_tiny_elements_bomb(),
        ),
        "bomb_zip_refusal": (bulk_url, "archive", "bomb.zip", zip_bomb()),
        "bomb_zip_at_limit_refusal": (bulk_url, "archive", "bomb25.zip", zip_bomb(25)),
        "bomb_csv_refusal": (csv_url, "file", "bomb.csv", csv_bomb()),
        "bomb_txt_refusal": (upload_url, "files", "bomb.txt", txt_bomb()),
        "bomb_qdpx_refusal": (qdpx_url, "file", "bomb.qdpx", qdpx_bomb()),
        "bomb_codebook_csv_refusal": (codebook_url, "file", "book.csv", csv_bomb()),
    }
    return {
        key: post_measured(client, url, field, name, data)[1]
        for key, (url, field, name, data) in bombs.items()
    }
