"""Reader of ActiGraph ``.gt3x`` files (GT3X+, wGT3X+, wGT3X-BT, ActiSleep+, GT9X Link).

A ``.gt3x`` file is a zip archive. Two layouts exist (ActiGraph's published descriptions,
github.com/actigraph/GT3X-File-Format and github.com/actigraph/NHANES-GT3X-File-Format):

The current layout: ``info.txt`` and ``log.bin``
    ``info.txt`` holds ``Key: Value`` lines: ``Serial Number``, ``Firmware``, ``Sample Rate`` (Hz),
    ``Start Date``/``Download Date``/``Last Sample Time`` in .NET ticks (100 ns since 0001-01-01),
    on newer devices ``Acceleration Scale`` (counts per g), ``TimeZone`` (``-05:00:00``), ``Limb``,
    ``Side``. ``log.bin`` is a stream of records: separator ``0x1E``, type (1 byte), Unix timestamp
    (4 bytes LE, whole seconds), payload size (2 bytes LE), the payload, and a checksum byte (the
    one's complement of the XOR of header and payload). Runs of zero bytes between records occur and
    are skipped. The records read here:

    - ``ACTIVITY`` (0): one second of samples, 12-bit two's complement, bit-packed big-endian, in
      Y, X, Z order; ``ACTIVITY2`` (26): one second of little-endian int16 in X, Y, Z order;
      ``ACTIVITY3`` (27, not in the published description): packed as ``ACTIVITY`` but in X, Y, Z
      order (as ActiGraph's own reader, pygt3x, reads it). A 1-byte activity payload is a USB
      connection event, not data (skipped, counted in ``metadata["usb_events"]``);
    - ``PARAMETERS`` (21): 8-byte key/value pairs; ``ACCEL_SCALE`` (address 0, key 55, an SSP
      float: 24-bit two's complement fraction over 2**23 times 2 to a signed 8-bit exponent) is the
      scale in counts per g and is preferred to ``info.txt``; without either, the serial-number rule
      of the description applies (NEO, CLE, MRA: 341 counts/g; MOS, TAS: 256 counts/g);
    - ``METADATA`` (6): JSON; ``LocalTimeLog`` with ``UsedUtc: true`` means the record timestamps
      (and the info.txt dates) are UTC, otherwise they are local time at the ``TimeZone`` offset;
      the ``Bio`` record's ``Limb``/``Side`` complete info.txt;
    - ``EVENT`` (3): payload 0x08 enters Idle Sleep Mode, 0x09 leaves it; ``BATTERY`` (2, mV),
      ``LUX`` (5), ``CAPSENSE`` (13, wear state) are summarised in ``metadata``. Other record types
      (epochs, heart rate, IMU, diagnostics) are skipped as the description says they may be, and
      counted in ``metadata["skipped_records"]``.

    wGT3X-BT (MOS) firmware 1.6.0 swapped X and Y; the published correction (X = Y, Y = -X) is
    applied and noted in ``metadata["axis_correction"]``. A ``calibration.json`` with
    ``isCalibrated: false`` (the device's own calibration was not applied to the counts) is not
    applied here either: the samples are ``counts / scale`` and ``metadata["device_calibration"]``
    says so, so the auto-calibration (``rls-monitor calibrate``) is the remedy.

The NHANES layout (GT3X+ and ActiSleep+ with firmware 2.5.0 or earlier): ``info.txt``, ``activity.bin``, ``lux.bin``
    ``activity.bin`` is one continuous 12-bit packed stream (Y, X, Z) at ``Sample Rate`` from
    ``Start Date``, 341 counts/g (or info.txt's ``Acceleration Scale``). Trailing samples that are
    exactly zero on all three axes are unwritten memory (a device at rest reads 1 g) and are dropped
    (counted in ``metadata["trailing_zero_samples"]``). ``lux.bin`` holds one little-endian uint16
    per second (x1.25 lux for GT3X+, x3.25 for ActiSleep+, readings under 20 or 0xFFFF are 0). The
    dates are local time of the initialising computer and no time zone is written: ``start_utc``
    takes them as UTC and ``metadata["time_zone"]`` says so.

Time, gaps and Idle Sleep Mode
    Every sample of the current layout is placed at ``record timestamp + j / fs_hz``; the recording
    starts at the first activity record and runs to the last. Seconds without an activity record
    are of two kinds. In **Idle Sleep Mode** the device stops sampling because it has been still
    (ActiLife and pygt3x fill those seconds with the last sample); a missing stretch that contains
    an Idle Sleep Mode entry is filled the same way (the device was still, so the last sample is the
    best value, and the stillness is real information for sleep scoring) up to the exit event, and
    counted in ``metadata["idle_sleep_s"]``/``["idle_sleep_periods"]``. Any other missing second
    (a true hole in the log, a record with a bad checksum, a second with fewer samples than the
    rate) is not recorded: it becomes one of :attr:`Recording.gaps`, filled with placeholders by
    :func:`~rls_monitor.recording.model.fill_gaps`. A second logged twice (a clock set back) keeps
    the later record (counted in ``metadata["repeated_seconds"]``); samples beyond the rate in one
    record are dropped (``metadata["extra_samples"]``).

Bad files
    Not a zip, a zip cut short, a member that fails its CRC, no ``info.txt``, neither ``log.bin`` nor
    ``activity.bin``, no sample rate, no activity records, and a log of which more than half the
    records are damaged are a one-line :class:`~rls_monitor.errors.RecordingError`. Inside a
    readable log a damaged record (bad checksum, or bytes that are no record: the reader resyncs at
    the next separator) is skipped and counted in ``metadata["corrupt_records"]`` and
    ``metadata["corrupt_bytes"]``; its second becomes a gap.

Why not a library: ``actfast`` 1.3.0 (MIT) returns no acceleration samples for GT9X Link files and
fails on older GT3X+ files; ``pygt3x`` is GPL-3.0, so it is only the reference our tests compare
against. Decoding is vectorised: the record walk is one pass over record headers, the samples are
decoded with NumPy for all records at once.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import RecordingError
from rls_monitor.recording.location import side_from_location
from rls_monitor.recording.model import Recording, fill_gaps

__all__ = ["decode_ssp_float", "read_gt3x", "ticks_to_datetime", "unpack_12bit"]

log = logging.getLogger(__name__)

SEPARATOR = 0x1E
ACTIVITY, BATTERY, EVENT, LUX, METADATA, CAPSENSE, PARAMETERS = 0, 2, 3, 5, 6, 13, 21
ACTIVITY2, ACTIVITY3 = 26, 27
_ACTIVITY_TYPES = (ACTIVITY, ACTIVITY2, ACTIVITY3)
_ISM_ENTER, _ISM_EXIT = 0x08, 0x09
_TICKS_PER_S = 10_000_000
_UNIX_EPOCH_TICKS = 621_355_968_000_000_000
_NHANES_SCALE = 341.0
_LUX_SCALE = {"NEO": (1.25, 2500.0), "MRA": (3.25, 6000.0)}
_MAX_ZIP_MEMBER_BYTES = 2**31
_OFFSET_RE = re.compile(r"^\s*([+-])?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?")
_LEG_WORDS = ("ankle", "leg", "foot", "shin", "thigh", "calf")


def ticks_to_datetime(ticks: int) -> datetime:
    """A .NET ``DateTime.Ticks`` value as a naive datetime (the clock it was written in).

    Parameters
    ----------
    ticks : int
        100-ns intervals since 0001-01-01 00:00:00.

    Returns
    -------
    datetime

    Examples
    --------
    >>> ticks_to_datetime(636927021600000000)
    datetime.datetime(2019, 5, 6, 1, 16)
    """
    return datetime(1, 1, 1) + timedelta(microseconds=ticks // 10)


def decode_ssp_float(value: int) -> float:
    """Decode a PARAMETERS floating-point value (ActiGraph's SSP encoding).

    Parameters
    ----------
    value : int
        The 32-bit word: a 24-bit two's-complement fraction (2**23 times the mantissa) and, in the
        top byte, a two's-complement power of two.

    Returns
    -------
    float

    Examples
    --------
    >>> decode_ssp_float(0x09400000)
    256.0
    """
    value &= 0xFFFFFFFF
    if value == 0x007FFFFF:
        return float("inf")
    if value == 0x00800000:
        return float("-inf")
    exponent = (value >> 24) & 0xFF
    exponent -= 256 if exponent & 0x80 else 0
    significand = value & 0xFFFFFF
    significand -= 1 << 24 if significand & 0x800000 else 0
    return significand / 2.0**23 * 2.0**exponent


def unpack_12bit(data: NDArray[np.uint8], n_samples: int) -> NDArray[np.int16]:
    """Unpack bit-packed 12-bit two's-complement triples (ActiGraph ``ACTIVITY`` layout).

    Parameters
    ----------
    data : ndarray of uint8, shape (..., n_bytes)
        Packed bytes, most significant nibble first; each row is unpacked on its own.
    n_samples : int
        Samples (triples) per row; ``n_bytes`` must hold at least ``4.5 * n_samples`` bytes.

    Returns
    -------
    ndarray of int16, shape (..., n_samples, 3)
        The values in stored order (Y, X, Z for ``ACTIVITY``).
    """
    data = np.asarray(data, dtype=np.uint8)
    n_values = 3 * n_samples
    need = -(-n_values * 3 // 2)  # whole bytes holding the values
    n_bytes = -(-need // 3) * 3  # padded to whole 3-byte pairs of values
    if data.shape[-1] < need:
        raise ValueError(f"{data.shape[-1]} bytes cannot hold {n_samples} 12-bit samples")
    lead = data.shape[:-1]
    padded = np.zeros((*lead, n_bytes), dtype=np.uint16)
    padded[..., :need] = data[..., :need]
    triple = padded.reshape(*lead, n_bytes // 3, 3)
    first = (triple[..., 0] << 4) | (triple[..., 1] >> 4)
    second = ((triple[..., 1] & 0x0F) << 8) | triple[..., 2]
    values = np.stack([first, second], axis=-1).reshape(*lead, -1)[..., :n_values]
    signed = values.astype(np.int16)
    signed -= ((values & 0x800) << 1).astype(np.int16)
    return signed.reshape(*lead, n_samples, 3)


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {info.filename.lower(): info for info in archive.infolist()}
            if "info.txt" not in names:
                raise RecordingError("not an ActiGraph .gt3x file (no info.txt)", path=path)
            wanted = ("info.txt", "log.bin", "activity.bin", "lux.bin", "calibration.json")
            out: dict[str, bytes] = {}
            for name in wanted:
                info = names.get(name)
                if info is None:
                    continue
                if info.file_size > _MAX_ZIP_MEMBER_BYTES:
                    raise RecordingError(f"the .gt3x member {name} is too large", path=path)
                out[name] = archive.read(info)
    except zipfile.BadZipFile as exc:
        raise RecordingError(
            f"not a readable .gt3x zip archive (cut short or damaged: {exc})", path=path
        ) from exc
    except (zlib.error, EOFError) as exc:
        raise RecordingError(f"damaged .gt3x zip archive ({exc})", path=path) from exc
    except OSError as exc:
        raise RecordingError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    if "log.bin" not in out and "activity.bin" not in out:
        raise RecordingError(
            "the .gt3x archive has neither log.bin nor activity.bin (no acceleration data)",
            path=path,
        )
    return out


def _parse_info(raw: bytes) -> dict[str, str]:
    text = raw.decode("utf-8-sig", errors="replace")
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            info[key.strip()] = value.strip()
    return info


def _parse_offset(text: str) -> timedelta | None:
    match = _OFFSET_RE.match(text or "")
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    seconds = int(match.group(2)) * 3600 + int(match.group(3)) * 60 + int(match.group(4) or 0)
    return sign * timedelta(seconds=seconds)


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _number(info: dict[str, str], key: str) -> float | None:
    text = info.get(key, "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _side(limb: str, side: str) -> str:
    text = f"{side} {limb}".lower()
    if any(word in text for word in _LEG_WORDS):
        return side_from_location(text)
    return "unknown"


def _walk(buf: bytes) -> tuple[NDArray[np.int64], int, int]:
    """Start offsets of the records of ``log.bin``, the resynchronisations and bytes skipped."""
    n = len(buf)
    starts: list[int] = []
    append = starts.append
    pos = 0
    resyncs = 0
    skipped = 0
    find = buf.find
    while pos + 9 <= n:
        if buf[pos] == SEPARATOR:
            end = pos + 9 + (buf[pos + 6] | (buf[pos + 7] << 8))
            if end == n or (end < n and (buf[end] == SEPARATOR or buf[end] == 0)):
                append(pos)
                pos = end
                continue
            if end > n:  # the last record is cut short: treat as damage
                skipped += n - pos
                resyncs += 1
                break
        elif buf[pos] == 0:  # zero padding between records is allowed
            nxt = find(b"\x1e", pos)
            if nxt < 0:
                break
            if buf.count(0, pos, nxt) == nxt - pos:
                pos = nxt
                continue
        nxt = find(b"\x1e", pos + 1)
        resyncs += 1
        skipped += (n if nxt < 0 else nxt) - pos
        if nxt < 0:
            break
        pos = nxt
    return np.asarray(starts, dtype=np.int64), resyncs, skipped


def _decode_seconds(
    raw: NDArray[np.uint8],
    starts: NDArray[np.int64],
    sizes: NDArray[np.int64],
    types: NDArray[np.int64],
    fs: int,
) -> tuple[NDArray[np.int16], NDArray[np.int64]]:
    """Samples of the activity records, as a (k, fs, 3) int16 block and the count in each."""
    k = len(starts)
    counts = np.where(types == ACTIVITY2, sizes // 6, (sizes * 8) // 36)
    block = np.zeros((k, fs, 3), dtype=np.int16)
    for kind in np.unique(types):
        for size in np.unique(sizes[types == kind]):
            rows = np.flatnonzero((types == kind) & (sizes == size))
            n = int(min(counts[rows[0]], fs))
            if n == 0:
                continue
            take = starts[rows, None] + 8 + np.arange(int(size))[None, :]
            payload = raw[take]
            if kind == ACTIVITY2:
                values = payload[:, : 6 * n].copy().view("<i2").reshape(len(rows), n, 3)
            else:
                values = unpack_12bit(payload, n)
                if kind == ACTIVITY:
                    values = values[:, :, [1, 0, 2]]  # stored Y, X, Z
            block[rows, :n] = values
    return block, counts


def _read_log(
    buf: bytes, info: dict[str, str], path: Path
) -> tuple[NDArray[np.int16], float, datetime, NDArray[np.int64], dict[str, str]]:
    raw = np.frombuffer(buf, dtype=np.uint8)
    starts, resyncs, skipped = _walk(buf)
    if len(starts) == 0:
        raise RecordingError("log.bin holds no records (empty or not a .gt3x log)", path=path)
    sizes = (raw[starts + 6].astype(np.int64)) | (raw[starts + 7].astype(np.int64) << 8)
    types = raw[starts + 1].astype(np.int64)
    stamps = raw[starts[:, None] + 2 + np.arange(4)[None, :]].astype(np.int64)
    times = stamps[:, 0] | (stamps[:, 1] << 8) | (stamps[:, 2] << 16) | (stamps[:, 3] << 24)
    ends = starts + 8 + sizes
    bounds = np.empty(2 * len(starts), dtype=np.int64)
    bounds[0::2], bounds[1::2] = starts, ends
    xor = np.bitwise_xor.reduceat(raw, bounds)[0::2]
    good = (~xor & 0xFF) == raw[ends]
    n_bad = int(np.count_nonzero(~good))
    if n_bad + resyncs > (len(starts) + resyncs) // 2:
        raise RecordingError(
            f"log.bin is damaged: {n_bad + resyncs} of {len(starts) + resyncs} records are corrupt",
            path=path,
        )

    def payload(i: int) -> bytes:
        return buf[int(starts[i]) + 8 : int(ends[i])]

    meta: dict[str, str] = {}
    used_utc = False
    utc_offset: timedelta | None = None
    bio: dict[str, Any] = {}
    accel_scale: float | None = None
    for i in np.flatnonzero(good & (types == METADATA)):
        try:
            doc = json.loads(payload(int(i)).decode("utf-8", errors="replace"))
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        kind = doc.get("MetadataType")
        if kind == "LocalTimeLog":
            used_utc = bool(doc.get("UsedUtc"))
            utc_offset = _parse_offset(str(doc.get("UtcOffset", ""))) or utc_offset
        elif kind == "SubjectTimeLog":
            utc_offset = _parse_offset(str(doc.get("UtcOffset", ""))) or utc_offset
        elif kind == "Bio":
            bio = doc
    for i in np.flatnonzero(good & (types == PARAMETERS)):
        body = payload(int(i))
        pairs = np.frombuffer(body[: len(body) // 8 * 8], dtype="<u4").reshape(-1, 2)
        hit = pairs[:, 0] == (55 << 16)  # address 0, identifier 55: ACCEL_SCALE
        if np.any(hit):
            accel_scale = decode_ssp_float(int(pairs[hit][0, 1]))

    is_act = good & np.isin(types, _ACTIVITY_TYPES)
    usb = is_act & (sizes == 1)
    is_act &= sizes > 1
    if not np.any(is_act):
        found = ", ".join(str(t) for t in np.unique(types[good]))
        raise RecordingError(
            f"log.bin has no acceleration records (record types found: {found})", path=path
        )
    fs_value = _number(info, "Sample Rate")
    if fs_value is None or fs_value <= 0 or fs_value != round(fs_value):
        raise RecordingError(
            f"info.txt gives no usable sample rate ({info.get('Sample Rate')!r})", path=path
        )
    fs = round(fs_value)
    act = np.flatnonzero(is_act)
    block, counts = _decode_seconds(raw, starts[act], sizes[act], types[act], fs)
    sec_abs = times[act]
    t0 = int(sec_abs.min())
    sec = sec_abs - t0
    # a second logged twice keeps the later record
    order = np.arange(len(sec))
    _, last_rev = np.unique(sec[::-1], return_index=True)
    keep = np.sort(order[::-1][last_rev])
    repeated = len(sec) - len(keep)
    block, counts, sec = block[keep], counts[keep], sec[keep]
    extra = int(np.sum(np.maximum(counts - fs, 0)))
    n_sec = int(sec.max()) + 1
    n = n_sec * fs
    out = np.zeros((n_sec, fs, 3), dtype=np.int16)
    out[sec] = block
    written = np.zeros((n_sec, fs), dtype=bool)
    written[sec] = np.arange(fs)[None, :] < np.minimum(counts, fs)[:, None]

    # missing seconds: Idle Sleep Mode (held at the last sample) or not recorded (a gap)
    ev = np.flatnonzero(good & (types == EVENT) & (sizes >= 1))
    ev_code = raw[starts[ev] + 8]
    enters = np.sort(times[ev][ev_code == _ISM_ENTER] - t0)
    exits = np.sort(times[ev][ev_code == _ISM_EXIT] - t0)
    sorted_sec = np.sort(sec)
    jump = np.flatnonzero(np.diff(sorted_sec) > 1)
    a, b = sorted_sec[jump], sorted_sec[jump + 1]
    has_enter = np.searchsorted(enters, a, "left") < np.searchsorted(enters, b, "right")
    last_exit = np.searchsorted(exits, b, "right") - 1
    exit_at = np.where(last_exit >= 0, exits[np.maximum(last_exit, 0)], -1)
    idle_end = np.where((exit_at > a) & (exit_at < b), exit_at, b)
    idle = np.zeros(n_sec, dtype=bool)
    edges = np.zeros(n_sec + 1, dtype=np.int64)
    ia, ib = (a + 1)[has_enter], idle_end[has_enter]
    np.add.at(edges, ia, 1)
    np.add.at(edges, ib, -1)
    idle = np.cumsum(edges[:-1]) > 0
    idle &= ~written.any(axis=1)
    flat = out.reshape(n, 3)
    written_flat = written.reshape(n)
    idle_flat = np.repeat(idle, fs)
    filled = written_flat | idle_flat
    src = np.where(written_flat, np.arange(n), 0)
    np.maximum.accumulate(src, out=src)
    flat[idle_flat] = flat[src[idle_flat]]
    missing = ~filled
    change = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    gaps = np.column_stack([np.flatnonzero(change == 1), np.flatnonzero(change == -1)])

    # scale, time base
    scale = accel_scale if accel_scale and np.isfinite(accel_scale) and accel_scale > 0 else None
    scale_source = "PARAMETERS ACCEL_SCALE"
    if scale is None:
        scale = _number(info, "Acceleration Scale")
        scale_source = "info.txt Acceleration Scale"
    serial = info.get("Serial Number", "")
    if scale is None or scale <= 0:
        prefix = serial[:3].upper()
        if prefix in ("NEO", "CLE", "MRA"):
            scale, scale_source = 341.0, f"serial prefix {prefix}"
        elif prefix in ("MOS", "TAS"):
            scale, scale_source = 256.0, f"serial prefix {prefix}"
        else:
            raise RecordingError(
                "the .gt3x file states no acceleration scale and the serial number "
                f"{serial!r} does not imply one",
                path=path,
            )
    info_offset = _parse_offset(info.get("TimeZone", ""))
    offset = utc_offset if utc_offset is not None else info_offset
    first = datetime(1970, 1, 1) + timedelta(seconds=t0)
    if used_utc:
        start_utc = first.replace(tzinfo=UTC)
        meta["clock"] = "UTC (LocalTimeLog UsedUtc)"
    elif offset is not None:
        start_utc = (first - offset).replace(tzinfo=UTC)
        meta["clock"] = "local time"
    else:
        start_utc = first.replace(tzinfo=UTC)
        meta["clock"] = "local time, no time zone stated: taken as UTC"
    if offset is not None:
        meta["utc_offset"] = _format_offset(offset)
        meta["start_local"] = (start_utc + offset).replace(tzinfo=None).isoformat()

    battery = np.flatnonzero(good & (types == BATTERY) & (sizes >= 2))
    if len(battery):
        mv = raw[starts[battery] + 8].astype(np.int64) | (
            raw[starts[battery] + 9].astype(np.int64) << 8
        )
        meta["battery_min_mv"], meta["battery_max_mv"] = str(int(mv.min())), str(int(mv.max()))
    lux = np.flatnonzero(good & (types == LUX) & (sizes >= 2))
    if len(lux):
        values = raw[starts[lux] + 8].astype(np.int64) | (
            raw[starts[lux] + 9].astype(np.int64) << 8
        )
        meta["lux_mean"] = f"{values.mean():.1f}"
    cap = np.flatnonzero(good & (types == CAPSENSE) & (sizes >= 5))
    if len(cap):
        worn = raw[starts[cap] + 12] == 1
        meta["capsense_worn_fraction"] = f"{worn.mean():.3f}"
    known = (*_ACTIVITY_TYPES, BATTERY, EVENT, LUX, METADATA, CAPSENSE, PARAMETERS)
    meta.update(
        {
            "layout": "log.bin",
            "scale_counts_per_g": f"{scale:g}",
            "scale_source": scale_source,
            "n_records": str(len(starts)),
            "skipped_records": str(int(np.count_nonzero(good & ~np.isin(types, known)))),
            "usb_events": str(int(np.count_nonzero(usb))),
            "corrupt_records": str(n_bad + resyncs),
            "corrupt_bytes": str(skipped),
            "repeated_seconds": str(repeated),
            "extra_samples": str(extra),
            "idle_sleep_s": str(int(np.count_nonzero(idle))),
            "idle_sleep_periods": str(int(np.count_nonzero(has_enter))),
            "idle_sleep_handling": "held at the last sample (the device was still)",
            "not_recorded_samples": str(int(np.count_nonzero(missing))),
        }
    )
    for key in ("Limb", "Side", "Dominance"):
        if not info.get(key) and bio.get(key):
            info[key] = str(bio[key])
    return flat, scale, start_utc, gaps, meta


def _read_nhanes(
    activity: bytes, lux: bytes | None, info: dict[str, str], path: Path
) -> tuple[NDArray[np.int16], float, datetime, NDArray[np.int64], dict[str, str]]:
    n = len(activity) * 8 // 36
    if n == 0:
        raise RecordingError("activity.bin holds no samples", path=path)
    counts = unpack_12bit(np.frombuffer(activity, dtype=np.uint8), n)[:, [1, 0, 2]]
    nonzero = np.flatnonzero(np.any(counts != 0, axis=1))
    used = int(nonzero[-1]) + 1 if len(nonzero) else 0
    if used == 0:
        raise RecordingError("activity.bin holds only zeros (no recorded samples)", path=path)
    counts = counts[:used]
    scale = _number(info, "Acceleration Scale") or _NHANES_SCALE
    ticks = info.get("Start Date", "")
    if not ticks.isdigit():
        raise RecordingError(f"info.txt gives no usable Start Date ({ticks!r})", path=path)
    local = ticks_to_datetime(int(ticks))
    offset = _parse_offset(info.get("TimeZone", ""))
    meta = {"layout": "activity.bin (NHANES)", "trailing_zero_samples": str(n - used)}
    if offset is None:
        start_utc = local.replace(tzinfo=UTC)
        meta["clock"] = "local time, no time zone stated: taken as UTC"
    else:
        start_utc = (local - offset).replace(tzinfo=UTC)
        meta["clock"] = "local time"
        meta["utc_offset"] = _format_offset(offset)
    meta["start_local"] = local.isoformat()
    meta["scale_counts_per_g"] = f"{scale:g}"
    if lux:
        factor, ceiling = _LUX_SCALE.get(info.get("Serial Number", "")[:3].upper(), (1.25, 2500.0))
        raw_lux = np.frombuffer(lux[: len(lux) // 2 * 2], dtype="<u2").astype(np.float64)
        values = np.where(
            (raw_lux < 20) | (raw_lux == 0xFFFF), 0.0, np.minimum(raw_lux * factor, ceiling)
        )
        if len(values):
            meta["lux_mean"] = f"{values.mean():.1f}"
    return counts, scale, start_utc, np.zeros((0, 2), np.int64), meta


def read_gt3x(path: str | Path) -> Recording:
    """Read an ActiGraph ``.gt3x`` file (current ``log.bin`` or older NHANES layout).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Recording
        Acceleration in g (``counts / scale``, float32, (n, 3)) at the file's sample rate,
        ``start_utc`` of the first sample, ``device_id`` the serial number, ``side`` from the
        limb/side fields when they name a leg, the not-recorded stretches as ``gaps``, and
        ``metadata`` (layout, firmware, scale and its source, clock and UTC offset, Idle Sleep Mode
        and damage counters, battery, light, wear sensor summaries).

    Raises
    ------
    RecordingError
        If the file is missing, not a .gt3x archive, cut short or damaged beyond repair (see the
        module docstring).

    References
    ----------
    ActiGraph, GT3X File Format and NHANES GT3X File Format, https://github.com/actigraph.
    """
    path = Path(path)
    members = _read_members(path)
    info = _parse_info(members["info.txt"])
    if "log.bin" in members:
        counts, scale, start_utc, gaps, meta = _read_log(members["log.bin"], info, path)
    else:
        counts, scale, start_utc, gaps, meta = _read_nhanes(
            members["activity.bin"], members.get("lux.bin"), info, path
        )
    fs_value = _number(info, "Sample Rate")
    if fs_value is None or fs_value <= 0:
        raise RecordingError(
            f"info.txt gives no usable sample rate ({info.get('Sample Rate')!r})", path=path
        )
    serial = info.get("Serial Number", "")
    firmware = info.get("Firmware", "")
    if serial.upper().startswith("MOS") and firmware == "1.6.0":
        counts = np.column_stack([counts[:, 1], -counts[:, 0], counts[:, 2]]).astype(np.int16)
        meta["axis_correction"] = "wGT3X-BT firmware 1.6.0: X = Y, Y = -X"
    calibration = members.get("calibration.json")
    if calibration:
        try:
            doc = json.loads(calibration.decode("utf-8-sig", errors="replace"))
        except ValueError:
            doc = {}
        if isinstance(doc, dict) and doc.get("isCalibrated") is False:
            meta["device_calibration"] = (
                f"not applied (calibration.json method {doc.get('calibrationMethod')}); "
                "run the auto-calibration"
            )
    lsb_g = 1.0 / scale
    accel = counts.astype(np.float32)
    accel *= np.float32(lsb_g)
    if len(gaps):
        accel = fill_gaps(accel, gaps)
    metadata = {
        "format": "actigraph-gt3x",
        "device_type": info.get("Device Type", ""),
        "firmware": firmware,
        "limb": info.get("Limb", ""),
        "limb_side": info.get("Side", ""),
        "dominance": info.get("Dominance", ""),
        "subject_name": info.get("Subject Name", ""),
        "time_zone": info.get("TimeZone", "") or "not stated",
        "lsb_g": repr(lsb_g),
        **meta,
    }
    recording = Recording(
        accel_g=accel,
        fs_hz=fs_value,
        start_utc=start_utc,
        device_id=serial or "ActiGraph",
        side=_side(info.get("Limb", ""), info.get("Side", "")),
        metadata={k: v for k, v in metadata.items() if v != ""},
        gaps=gaps,
    )
    log.debug("read %s: %d samples at %g Hz", path, recording.n_samples, fs_value)
    return recording
