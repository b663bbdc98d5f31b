"""XML export files parsed safely: no document type declaration, so no entity of any kind.

The XML exports of sleep-lab software (NSRR, Compumedics Profusion) never need a DTD. A file
that declares one is refused before it is parsed, which closes the doors defusedxml closes
(external entities, entity expansion bombs) with the standard library's parser.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.etree.ElementTree import Element

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab.export_file import read_export_bytes

__all__ = ["child_text", "parse_xml", "root_tag", "seconds_of", "start_and_duration"]

_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATIONS_16 = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_declarations(data: bytes, path: Path) -> None:
    found = _DECLARATIONS.search(data) is not None
    if not found and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        found = _DECLARATIONS_16.search(data.decode("utf-16", errors="replace")) is not None
    if found:
        raise RecordingError(
            "the XML declares a DTD or an entity, which event exports never do; refused",
            path=path,
        )


def parse_xml(path: Path) -> ET.Element:
    """The root element of the XML file ``path``.

    Raises
    ------
    RecordingError
        The file cannot be read, declares a DTD or an entity, or is not well-formed XML
        (truncated, wrong encoding); the message is one line.
    """
    data = read_export_bytes(path)
    _refuse_declarations(data, path)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise RecordingError(f"not well-formed XML ({exc})", path=path) from exc


def root_tag(path: Path) -> str:
    """The root element's name of an XML file, or ``""`` when it is not XML (cheap sniff).

    Reads the first 4 KiB only; never raises for content.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return ""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    for match in re.finditer(r"<([A-Za-z_][\w.:-]*)", text):
        return match.group(1).split(":")[-1]
    return ""


def child_text(element: Element, tag: str) -> str:
    """The stripped text of ``element``'s first child ``tag`` (``""`` when there is none)."""
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def seconds_of(text: str, what: str, where: str, path: Path) -> float:
    """``text`` as a number of seconds >= 0.

    Raises
    ------
    RecordingError
        Naming ``where`` and ``what`` when ``text`` is not a finite number >= 0.
    """
    try:
        value = float(text)
    except ValueError:
        raise RecordingError(f"{where}: {what} is not a number: {text!r}", path=path) from None
    if not math.isfinite(value) or value < 0:
        raise RecordingError(f"{where}: {what} must be a number >= 0: {text!r}", path=path)
    return value


def start_and_duration(event: Element, where: str, path: Path) -> tuple[float, float | None]:
    """An event element's ``Start`` and ``Duration`` children, s (the duration None if absent).

    Raises
    ------
    RecordingError
        A start that is missing or not a number >= 0, a duration that is not one.
    """
    start = seconds_of(child_text(event, "Start"), "Start", where, path)
    dur_text = child_text(event, "Duration")
    return start, (seconds_of(dur_text, "Duration", where, path) if dur_text else None)
