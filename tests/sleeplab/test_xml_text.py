"""XML parsed without DTDs or entities; the root element sniffed."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab.xml_text import child_text, parse_xml, root_tag, seconds_of


def test_parse_and_root(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text('<?xml version="1.0"?>\n<!-- c -->\n<PSGAnnotation><A> 3 </A></PSGAnnotation>')
    assert root_tag(path) == "PSGAnnotation"
    root = parse_xml(path)
    assert child_text(root, "A") == "3" and child_text(root, "B") == ""


def test_utf16_xml(tmp_path: Path) -> None:
    path = tmp_path / "u.xml"
    path.write_bytes('<?xml version="1.0" encoding="UTF-16"?><CMPStudyConfig/>'.encode("utf-16"))
    assert root_tag(path) == "CMPStudyConfig"
    assert parse_xml(path).tag == "CMPStudyConfig"


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]><x>&e;</x>',
        '<!doctype x SYSTEM "http://example.org/x.dtd"><x/>',
    ],
)
def test_declarations_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.xml"
    path.write_text(text)
    with pytest.raises(RecordingError, match="declares a DTD or an entity"):
        parse_xml(path)


def test_declarations_in_utf16_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d16.xml"
    path.write_bytes('<!DOCTYPE x [<!ENTITY e "a">]><x>&e;</x>'.encode("utf-16"))
    with pytest.raises(RecordingError, match="declares a DTD"):
        parse_xml(path)


def test_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "n.xml"
    path.write_text("Start Time,Event\n")
    assert root_tag(path) == ""
    with pytest.raises(RecordingError, match="not well-formed XML"):
        parse_xml(path)
    with pytest.raises(RecordingError, match="no such file"):
        parse_xml(tmp_path / "none.xml")


def test_seconds_of() -> None:
    assert seconds_of("1.5", "Start", "e", Path("f")) == 1.5
    for bad in ("x", "inf", "-1"):
        with pytest.raises(RecordingError, match="e: Start"):
            seconds_of(bad, "Start", "e", Path("f"))
