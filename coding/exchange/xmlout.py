"""XML output for the REFI-QDA export: text XML 1.0 can carry, timestamps, the streaming
writer, variable values, and positions counted in UTF-16 code units (NVivo)."""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
from decimal import Decimal
from xml.sax.saxutils import XMLGenerator

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _clean(value) -> str:
    """Text that XML 1.0 can carry: forbidden characters removed, CR LF as LF."""
    text = str(value or "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_FORBIDDEN.sub("", text)


def _timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class _XmlStream:
    """An incremental XML writer (stdlib ``XMLGenerator``) onto a binary stream.

    Attributes with empty values are left out (as the QDC writer's ``_el`` does); element names are local
    names under a root that declares the REFI default namespace."""

    def __init__(self, out):
        # Our own buffered text layer: XMLGenerator's would write through, so each of the
        # ~15 small strings per selection would be compressed on its own.
        self._out = io.TextIOWrapper(out, encoding="utf-8", errors="strict", newline="\n")
        self._out._CHUNK_SIZE = 1 << 16
        self._out.write(XML_DECLARATION.decode("ascii"))
        self._xml = XMLGenerator(self._out, encoding="utf-8", short_empty_elements=True)

    def start(self, tag: str, attrib: dict | None = None) -> None:
        self._xml.startElement(tag, {k: v for k, v in (attrib or {}).items() if v})

    def end(self, tag: str) -> None:
        self._xml.endElement(tag)

    def leaf(self, tag: str, attrib: dict | None = None, text: str | None = None) -> None:
        self.start(tag, attrib)
        if text:
            self._xml.characters(text)
        self.end(tag)

    def close(self) -> None:
        self._xml.endDocument()
        self._out.flush()
        self._out.detach()  # ``out`` stays open: its owner closes it


def _write_value(xml: _XmlStream, variable_guid: str, type_: str, value) -> None:
    if value is None or value == "" or value == [] or value == {}:
        return
    xml.start("VariableValue")
    xml.leaf("VariableRef", {"targetGUID": variable_guid})
    if type_ == "Boolean":
        xml.leaf("BooleanValue", text="true" if value else "false")
    elif type_ == "Integer":
        xml.leaf("IntegerValue", text=str(int(value)))
    elif type_ == "Float":
        xml.leaf("FloatValue", text=format(Decimal(repr(float(value))), "f"))
    else:
        xml.leaf("TextValue", text=_clean(value))
    xml.end("VariableValue")


def _identity(position: int) -> int:
    return position


def _utf16_positions(text: str):
    """Code point -> UTF-16 code unit position in ``text`` (identity without astral chars)."""
    astral = [match.start() for match in _ASTRAL.finditer(text)]
    if not astral:
        return _identity
    return lambda position: position + bisect.bisect_left(astral, position)
