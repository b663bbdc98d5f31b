"""An export's bytes and text: UTF-16 (either order, with or without a mark) and UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab.export_file import decode_export_text, read_export_bytes

TEXT = "Heure de début,Événement\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16"),
        (TEXT.encode("utf-16-be"), "utf-16"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8"), "utf-8"),
    ],
    ids=["16le-bom", "16be-bom", "16le", "16be", "8-bom", "8"],
)
def test_decodes(data: bytes, encoding: str) -> None:
    assert decode_export_text(data, Path("x.csv")) == (TEXT, encoding)


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("latin-1"), (b"\xff\xfe" + TEXT.encode("utf-16-le"))[:-1]],
    ids=["latin-1", "cut-utf-16"],
)
def test_other_encodings_are_one_line(data: bytes) -> None:
    with pytest.raises(RecordingError, match="neither UTF-16 nor UTF-8") as err:
        decode_export_text(data, Path("x.csv"))
    assert "\n" not in str(err.value)


def test_read_export_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"12")
    assert read_export_bytes(tmp_path / "a") == b"12"
    with pytest.raises(RecordingError, match="no such label file"):
        read_export_bytes(tmp_path / "b", "label file")
    with pytest.raises(RecordingError, match="cannot read the file"):
        read_export_bytes(tmp_path)
