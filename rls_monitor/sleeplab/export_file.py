"""An export file's bytes and text: one-line errors for a missing or unreadable file, and the
decoding of text that sleep-lab software writes (UTF-16 with or without a byte-order mark, UTF-8).
"""

from __future__ import annotations

from pathlib import Path

from rls_monitor.errors import RecordingError

__all__ = ["decode_export_text", "read_export_bytes"]


def read_export_bytes(path: Path, what: str = "file") -> bytes:
    """The bytes of ``path``.

    Raises
    ------
    RecordingError
        ``no such <what>``, or that it cannot be read; one line.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RecordingError(f"no such {what}", path=path) from None
    except OSError as exc:
        raise RecordingError(f"cannot read the {what}: {exc}", path=path) from exc


def decode_export_text(data: bytes, path: Path) -> tuple[str, str]:
    """The text of an export and the encoding it was in (``utf-16`` or ``utf-8``).

    Raises
    ------
    RecordingError
        Neither UTF-16 nor UTF-8 (or cut in the middle of a character).
    """
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16"), "utf-16"
        if data[:3] == b"\xef\xbb\xbf":
            return data[3:].decode("utf-8"), "utf-8"
        head = data[:4096]
        if len(head) >= 4 and head.count(0) >= len(head) // 4:
            enc = "utf-16-le" if head[1] == 0 else "utf-16-be"
            return data.decode(enc), "utf-16"
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise RecordingError(
            f"the text is neither UTF-16 nor UTF-8 ({exc.reason} at byte {exc.start}); "
            "export it again as Unicode text",
            path=path,
        ) from exc
