"""Reader of GENEActiv binary files (``.bin``, Activinsights).

Despite the name the file is text (lines end in LF or CRLF):

- a header of ``Key:Value`` lines in sections (Device Identity, Device Capabilities, Configuration
  Info, Trial Info, Subject Info, Calibration Data, Memory Status). It gives the serial code, the
  measurement frequency, the time zone (``GMT -04:00``), the body location, the number of pages,
  and the per-axis calibration ``x gain``/``x offset`` ... plus ``Volts``/``Lux`` for the light sensor;
- then pages of ten lines: ``Recorded Data``, serial code, ``Sequence Number``, ``Page Time``
  (local time, ``YYYY-MM-DD hh:mm:ss:mmm``), ``Unassigned``, ``Temperature`` (degC),
  ``Battery voltage``, ``Device Status``, ``Measurement Frequency``, and one line of hexadecimal
  text: 300 samples of 12 hex digits (48 bits: x, y, z as 12-bit two's complement, 10 bits of
  light, the button bit, one reserved bit).

Acceleration in g is ``(raw * 100 - offset) / gain`` per axis with the header's calibration.

Handling of imperfect files, as GGIRread does: a page that fails its own checks (not ten lines, a
malformed line or page header, a data line that is not whole 12-digit hexadecimal samples) is
skipped and counted (``metadata["damaged_pages"]``), and the samples it and any missing page (a jump
in the sequence numbers) held become one of :attr:`Recording.gaps` (not recorded), so the rest of
the file is read. A file that does not start like a GENEActiv header, a missing calibration or
frequency, sequence numbers out of order, a page at another frequency, and a copy cut short (the
last page incomplete, or fewer pages than the header announces) are a
:class:`~rls_monitor.errors.RecordingError` naming the page. The format has no checksum: a byte
changed into another hex digit cannot be detected.
Samples are taken as uniform at the configured frequency from the first page's time (page times
have one-second resolution on older firmware); the device's own notes on clock drift are kept in
``metadata``.

Why our own reader and not ``actfast`` (MIT, maintained): on the real file in ``../shared/data``
actfast 1.3.0 gives the same samples (tested), but its times are the pages' local times with the
file's time zone left out (4 h off for that file's ``GMT -04:00``), a byte that is not UTF-8
refuses the whole file, and a copy cut short is read without a word.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, overload

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import RecordingError
from rls_monitor.recording.location import side_from_location
from rls_monitor.recording.model import Recording

__all__ = ["read_geneactiv_bin"]

log = logging.getLogger(__name__)

_PAGE_LINES = 10
_HEX_PER_SAMPLE = 12
_TZ_RE = re.compile(r"GMT\s*([+-])\s*(\d{1,2}):?(\d{2})?")


def _parse_time(text: str, tz: timezone, path: Path, what: str) -> datetime:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S:%f", "%Y-%m-%d %H:%M:%S"):
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=tz).astimezone(UTC)
    raise RecordingError(f"{what} {text!r} is not a date and time", path=path)


def _parse_tz(text: str) -> timezone:
    match = _TZ_RE.search(text)
    if not match:
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    return timezone(sign * timedelta(minutes=minutes))


def _number(header: dict[str, str], key: str, path: Path) -> float:
    text = header.get(key)
    if text is None:
        raise RecordingError(f"the GENEActiv header has no {key!r}", path=path)
    match = re.match(r"\s*([-+]?\d+(?:\.\d*)?)", text)
    if not match:
        raise RecordingError(f"the GENEActiv header's {key!r} is not a number: {text!r}", path=path)
    return float(match.group(1))


@dataclass(frozen=True)
class _Page:
    sequence: int
    time_utc: datetime
    temperature_degc: float
    fs_hz: float
    data: str  # the hexadecimal samples


_HEX_RE = re.compile(r"[0-9A-Fa-f]+")


def _parse_page(lines: list[str], tz: timezone, path: Path, index: int) -> _Page | None:
    """One page of ten lines, or None when it fails its checks (logged with the reason)."""

    def damaged(why: str) -> None:
        log.debug("%s: GENEActiv page %d skipped: %s", path, index, why)

    if len(lines) < _PAGE_LINES:
        damaged(f"{len(lines)} lines, not {_PAGE_LINES}")
        return None
    # more lines: the rest of a following page that lost its 'Recorded Data' line
    lines = lines[:_PAGE_LINES]
    fields: dict[str, str] = {}
    for line in lines[1:9]:
        key, sep, value = line.partition(":")
        if not sep:
            damaged(f"malformed line {line[:40]!r}")
            return None
        fields[key.strip()] = value.strip()
    try:
        sequence = int(fields["Sequence Number"])
        temperature = float(fields["Temperature"])
        page_fs = float(fields["Measurement Frequency"])
        time_utc = _parse_time(fields["Page Time"], tz, path, f"page {index} time")
    except (KeyError, ValueError, RecordingError) as exc:
        damaged(f"malformed page header ({exc})")
        return None
    data = lines[9].strip()
    if not data or len(data) % _HEX_PER_SAMPLE or not _HEX_RE.fullmatch(data):
        damaged(
            f"a data line of {len(data)} characters is not whole {_HEX_PER_SAMPLE}-digit "
            "hexadecimal samples"
        )
        return None
    return _Page(sequence, time_utc, temperature, page_fs, data)


@overload
def read_geneactiv_bin(
    path: str | Path, *, with_temperature: Literal[False] = False
) -> Recording: ...


@overload
def read_geneactiv_bin(
    path: str | Path, *, with_temperature: Literal[True]
) -> tuple[Recording, NDArray[np.float32]]: ...


def read_geneactiv_bin(
    path: str | Path, *, with_temperature: bool = False
) -> Recording | tuple[Recording, NDArray[np.float32]]:
    """Read a GENEActiv ``.bin`` file.

    Parameters
    ----------
    path : str or Path
        The file.
    with_temperature : bool, default False
        Also return the temperature per sample (degC, float32, shape (n,)), held from its page.

    Returns
    -------
    Recording
        Acceleration in g calibrated with the file's own gain/offset (float32, (n, 3)), the
        configured rate, ``start_utc`` of the first page converted from the file's time zone,
        ``device_id`` ``"GENEActiv-<serial>"``, ``side`` from the device location, and ``metadata``
        (format, location, firmware, time zone, light in lux summary, temperature range, notes).
    temperature_degc : ndarray of float32, shape (n,)
        Only with ``with_temperature=True``.

    Raises
    ------
    RecordingError
        If the file is missing, not GENEActiv, truncated or malformed (see the module docstring).

    References
    ----------
    Activinsights, GENEActiv instructions for use, section "Binary file format"; the readers in
    GGIRread (``readGENEActiv``) and scikit-digital-health (``ReadBin``).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError as exc:
        raise RecordingError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    lines = [line.rstrip("\r").replace("\x00", "") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[0].strip() != "Device Identity":
        raise RecordingError("not a GENEActiv .bin file (no 'Device Identity' header)", path=path)
    try:
        first_page = lines.index("Recorded Data")
    except ValueError:
        raise RecordingError("the GENEActiv file has no data pages", path=path) from None
    header: dict[str, str] = {}
    for line in lines[:first_page]:
        key, sep, value = line.partition(":")
        if sep:
            header.setdefault(key.strip(), value.strip())
    fs_hz = _number(header, "Measurement Frequency", path)
    if fs_hz <= 0:
        raise RecordingError(f"measurement frequency {fs_hz} Hz is not positive", path=path)
    gain = np.array([_number(header, f"{a} gain", path) for a in "xyz"])
    offset = np.array([_number(header, f"{a} offset", path) for a in "xyz"])
    if np.any(gain == 0):
        raise RecordingError("the GENEActiv calibration has a zero gain", path=path)
    volts = float(header.get("Volts", "0") or 0)
    lux = float(header.get("Lux", "0") or 0)
    declared = int(_number(header, "Number of Pages", path)) if "Number of Pages" in header else -1
    tz = _parse_tz(header.get("Time Zone", ""))

    body = lines[first_page:]
    marks = [i for i, line in enumerate(body) if line.strip() == "Recorded Data"]
    chunks = [body[a:b] for a, b in zip(marks, [*marks[1:], len(body)], strict=True)]
    if len(chunks[-1]) < _PAGE_LINES:
        raise RecordingError(
            f"truncated GENEActiv file: page {len(chunks) - 1} has {len(chunks[-1])} of "
            f"{_PAGE_LINES} lines",
            path=path,
        )
    pages: list[_Page] = []
    where: list[int] = []  # each readable page's position in the file
    for i, chunk in enumerate(chunks):
        page = _parse_page(chunk, tz, path, i)
        if page is None:  # fails its own checks: skipped, its time becomes a gap
            continue
        if abs(page.fs_hz - fs_hz) > 1e-6 * fs_hz:
            raise RecordingError(
                f"GENEActiv page {i} is at {page.fs_hz:g} Hz, the file at {fs_hz:g} Hz", path=path
            )
        if pages and page.sequence <= pages[-1].sequence:
            raise RecordingError(
                f"GENEActiv page {i} has sequence number {page.sequence} after "
                f"{pages[-1].sequence} (pages reordered)",
                path=path,
            )
        pages.append(page)
        where.append(i)
    if not pages:
        raise RecordingError(
            f"corrupt GENEActiv file: none of its {len(chunks)} pages can be read", path=path
        )
    n_pages = len(chunks)
    trailing = n_pages - 1 - where[-1]  # damaged pages after the last readable one
    # pages damaged or missing: those before the first readable one, between, and after
    n_damaged = pages[-1].sequence + 1 + trailing - len(pages)
    # pages absent at the end (not damaged ones, which are still there) are a truncated copy
    if declared >= 0 and pages[-1].sequence + trailing < declared - 1:
        raise RecordingError(
            f"truncated GENEActiv file: {n_pages} of the {declared} pages the header announces",
            path=path,
        )
    counts = [len(page.data) // _HEX_PER_SAMPLE for page in pages]
    temps = [page.temperature_degc for page in pages]
    page_times = [page.time_utc for page in pages]
    raw = np.frombuffer(bytes.fromhex("".join(page.data for page in pages)), dtype=np.uint8)
    six = raw.reshape(-1, 6).astype(np.uint64)
    word = np.zeros(len(six), dtype=np.uint64)
    for b in range(6):
        word = (word << np.uint64(8)) | six[:, b]
    xyz = np.empty((len(word), 3), dtype=np.int64)
    for k in range(3):
        v = ((word >> np.uint64(36 - 12 * k)) & np.uint64(0xFFF)).astype(np.int64)
        xyz[:, k] = np.where(v >= 0x800, v - 0x1000, v)
    light_raw = ((word >> np.uint64(2)) & np.uint64(0x3FF)).astype(np.float64)
    button = int(np.count_nonzero((word >> np.uint64(1)) & np.uint64(1)))
    accel = ((xyz * 100.0 - offset) / gain).astype(np.float32)
    temperature = np.repeat(np.asarray(temps), counts).astype(np.float32)
    # damaged or missing pages between readable ones: as many placeholders as they held samples
    missing_pages = np.diff([page.sequence for page in pages])
    missing_pages = missing_pages - 1
    gaps = np.zeros((0, 2), np.int64)
    first_index = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    if np.any(missing_pages):
        per_page = int(np.bincount(counts).argmax())
        shift = np.concatenate(([0], np.cumsum(missing_pages * per_page))).astype(np.int64)
        position = np.arange(len(accel), dtype=np.int64) + np.repeat(shift, counts)
        total = len(accel) + int(shift[-1])
        spread = np.zeros((total, 3), np.float32)
        spread[position] = accel
        accel = spread
        temperature = np.interp(np.arange(total), position, temperature).astype(np.float32)
        after = np.flatnonzero(missing_pages)
        gap_start = position[first_index[after + 1] - 1] + 1
        gaps = np.column_stack([gap_start, gap_start + missing_pages[after] * per_page])
        first_index = first_index + shift

    metadata = {
        "format": "geneactiv-bin",
        "device_type": header.get("Device Type", ""),
        "device_model": header.get("Device Model", ""),
        "firmware": header.get("Device Firmware Version", ""),
        "calibration_date": header.get("Calibration Date", ""),
        "range": header.get("Accelerometer Range", ""),
        "time_zone": header.get("Time Zone", ""),
        "body_location": header.get("Device Location Code", ""),
        "subject_code": header.get("Subject Code", ""),
        "n_pages": str(n_pages),
        "damaged_pages": str(n_damaged),
        "temperature_min_degc": f"{min(temps):.1f}",
        "temperature_max_degc": f"{max(temps):.1f}",
        "temperature_mean_degc": f"{np.mean(temps):.2f}",
        "button_presses_samples": str(button),
    }
    if volts > 0:
        metadata["light_mean_lux"] = f"{light_raw.mean() * lux / volts:.1f}"
    if len(page_times) > 1:
        span_s = (page_times[-1] - page_times[0]).total_seconds()
        if span_s > 0:
            metadata["page_time_fs_hz"] = f"{first_index[-1] / span_s:.4f}"
    for key in ("Extract Notes", "Study Centre", "Study Code"):
        if header.get(key):
            metadata[key.lower().replace(" ", "_")] = header[key]
    serial = header.get("Device Unique Serial Code", "")
    recording = Recording(
        accel_g=accel,
        fs_hz=fs_hz,
        start_utc=page_times[0] if page_times else None,
        device_id=f"GENEActiv-{serial}" if serial else "GENEActiv",
        side=side_from_location(header.get("Device Location Code", "")),
        metadata={k: v for k, v in metadata.items() if v != ""},
        gaps=gaps,
    )
    log.debug("read %s: %d samples at %g Hz", path, len(accel), fs_hz)
    if with_temperature:
        return recording, temperature
    return recording
