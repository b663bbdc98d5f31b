"""The band's C firmware (firmware_host/c) against the Python model, bit for bit.

The host build (gcc, AddressSanitizer and UndefinedBehaviorSanitizer, every report fatal) runs
the harness ``rlsfw_host`` on the same inputs as the model: simulated nights and random samples
(hypothesis), recorded into the flash ring in chunks of any size and framed with any frame size,
through the events-mode pipeline, and every frame encoder and the command decoder. Equality is of
the frame bytes. The Cortex-M4F build is in ``test_c_target.py``.

Without gcc and make the tests skip and say why; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from firmware_host import protocol as p
from firmware_host.band import SimulatedBand
from firmware_host.event_mode import run_event_mode
from firmware_host.processing import PipelineConfig
from firmware_host.processing.state import PipelineState
from tests.firmware_host import c_harness as ch
from tests.firmware_host.cached_nights import cached_night

_missing = ch.missing_tools(ch.HOST_TOOLS)
if _missing and os.environ.get("CI", "").lower() == "true":
    pytest.fail(f"CI=true but the host toolchain is missing: {', '.join(_missing)}")
pytestmark = pytest.mark.skipif(
    bool(_missing), reason=f"C toolchain missing: {', '.join(_missing)} (apt-get install gcc make)"
)

_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
#: the byte-level tests: every example is a process start of the sanitized harness
_FEW = settings(_SETTINGS, max_examples=10)


def _events_c(
    counts: NDArray[np.int16], fs_hz: float, lsb_g: float, start_tick: int = 0, **kw: int
) -> list[bytes]:
    axis = kw.get("axis")
    args = ["events", str(round(2 * fs_hz)), repr(lsb_g), str(start_tick), str(kw.get("seq", 0))]
    if axis is not None:
        args += [str(a) for a in axis]  # type: ignore[union-attr]
    return ch.split_frames(ch.run_host(args, counts.astype("<i2").tobytes()))


def _band_data_frames(
    counts: NDArray[np.int16],
    fs_hz: float,
    lsb_g: float,
    frame_samples: int,
    *,
    compress: bool = False,
    flash_bytes: int | None = None,
    steps_s: list[float] | None = None,
) -> list[bytes]:
    """Every DATA frame the simulated band holds, as a RESEND of everything sends them."""
    kw = {} if flash_bytes is None else {"flash_bytes": flash_bytes}
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, frame_samples=frame_samples,
                         compress=compress, **kw)  # fmt: skip
    for dt in steps_s or []:
        band.advance(dt)
    band.advance(len(counts) / fs_hz + 1.0)
    assert band.source_exhausted
    band.connect(att_mtu=None)
    band.handle_command(p.cmd_resend(1, 0, 0xFFFFFFFF))
    frames: list[bytes] = []
    want = band.next_seq - band.oldest_seq
    while sum(isinstance(p.decode_frame(f), p.DataFrame) for f in frames) < want:
        frames += band.advance(want / band.link_frames_per_s + 1.0)
    return [f for f in frames if isinstance(p.decode_frame(f), p.DataFrame)]


def _data_c(
    counts: NDArray[np.int16],
    fmt: p.SampleFormat,
    frame_samples: int,
    *,
    capacity: int,
    chunks: list[int],
    delta: bool = False,
    flags: int = p.FLAG_RESENT,
) -> list[bytes]:
    args = ["data", str(fmt.code), str(frame_samples), str(capacity), str(int(delta)), str(flags),
            "0", "1", ",".join(str(c) for c in chunks)]  # fmt: skip
    return ch.split_frames(ch.run_host(args, counts.astype("<i2").tobytes()))


# ------------------------------------------------------------------------------ tables, constants


def test_the_taps_table_is_the_models() -> None:
    path = ch.C_DIR / "src" / "taps_table.c"
    assert path.read_text(encoding="utf-8") == ch.render_taps_table()


def test_constants_and_taps_equal_the_models_for_every_format() -> None:
    pairs = [
        (rate, g / float(1 << (bits - 1)))
        for rate in p.RATES_HZ
        for g in p.RANGES_G
        for bits in p.RESOLUTIONS_BITS
    ]
    args = ["consts"] + [s for rate, lsb in pairs for s in (str(round(2 * rate)), repr(lsb))]
    lines = ch.run_host(args).decode().splitlines()
    assert len(lines) == len(pairs)
    accepted = 0
    for (rate, lsb), line in zip(pairs, lines, strict=True):
        try:
            state = PipelineState(rate, lsb)
        except ValueError:
            assert line == "refused", (rate, lsb)
            continue
        accepted += 1
        words = line.split()
        taps_at = words.index("taps")
        got = dict(zip(words[0:taps_at:2], (int(w) for w in words[1:taps_at:2]), strict=True))
        want = {name: int(getattr(state, name)) for name in got}
        assert got == want, (rate, lsb)
        assert [int(w) for w in words[taps_at + 1 :]] == state.taps.tolist()
    assert accepted >= 100


def test_the_int32_fir_accumulator_cannot_overflow() -> None:
    # the C FIR accumulates in int32: |taps| summed, times the largest working sample
    # (k samples of 32768 summed, shifted right by floor(log2 k)), stays below 2**31
    for fw in ch.supported_working_rates():
        taps = np.abs(ch.bandpass_taps(fw.numerator / fw.denominator).astype(np.int64)).sum()
        for rate in p.RATES_HZ:
            try:
                state = PipelineState(rate, 2.0**-10)
            except ValueError:
                continue
            if Fraction(round(2 * rate), 2 * state.k) == fw:
                w_max = (32768 * state.k) >> state.shift
                assert taps * w_max + (1 << 13) < 2**31


# ------------------------------------------------------------------------------ events mode


_NIGHTS = [("easy", 2), ("ordinary", 1), ("hard", 0), ("hard", 2)]


@pytest.mark.parametrize(("difficulty", "seed"), _NIGHTS)
def test_events_mode_frames_equal_the_models_on_simulated_nights(
    difficulty: str, seed: int
) -> None:
    night = cached_night(difficulty, seed)
    want, _ = run_event_mode(night.counts, night.fs_hz, night.lsb_g, start_tick=77)
    got = _events_c(night.counts, night.fs_hz, night.lsb_g, start_tick=77)
    assert len(want) > 30
    assert any(p.decode_frame(f).type == p.EVENT for f in want)
    assert got == want


def test_events_mode_equal_on_a_long_night_with_a_given_axis_and_any_block_size() -> None:
    from firmware_host.signal_model import night_config, simulate_night

    night = simulate_night(night_config("ordinary", duration_s=2 * 3600.0), seed=5)
    axis = (16000, 900, -3000)
    config = PipelineConfig(shank_axis_q14=axis)
    want, _ = run_event_mode(night.counts, night.fs_hz, night.lsb_g, block_samples=4097,
                             config=config, start_tick=2**32 - 5000)  # fmt: skip
    got = _events_c(night.counts, night.fs_hz, night.lsb_g, start_tick=2**32 - 5000, axis=axis)
    kinds = {p.decode_frame(f).kind for f in want if p.decode_frame(f).type == p.EVENT}  # type: ignore[attr-defined]
    assert {p.KIND_LM, p.KIND_IN_BED} <= kinds
    assert got == want


@st.composite
def _movement_samples(draw: st.DrawFn) -> tuple[NDArray[np.int16], float, float, int]:
    """Random samples that move: a random walk of gravity, bursts, saturation, any length."""
    fs_hz = draw(st.sampled_from([25.0, 50.0, 100.0, 64.0, 30.0, 500.0]))
    lsb_g = 2.0 ** -draw(st.integers(5, 14))
    seconds = draw(st.integers(0, 150))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    n = int(seconds * fs_hz) + draw(st.integers(0, 40))
    one_g = min(32767.0, 1.0 / lsb_g)
    walk = np.cumsum(rng.normal(0, one_g * 0.01, (n, 3)), axis=0) + np.array([0, 0, one_g])
    burst = np.zeros((n, 3))
    for _ in range(draw(st.integers(0, 12))):
        at, length = int(rng.integers(0, max(1, n))), int(rng.integers(1, int(8 * fs_hz)))
        burst[at : at + length] += rng.normal(0, one_g * draw(st.sampled_from([0.02, 0.3, 3.0])),
                                              (len(burst[at : at + length]), 3))  # fmt: skip
    counts = np.clip(np.round(walk + burst), -32768, 32767).astype(np.int16)
    block = draw(st.integers(1, 3000))
    return counts, fs_hz, lsb_g, block


@_SETTINGS
@given(_movement_samples())
def test_events_mode_frames_equal_the_models_on_random_samples(
    case: tuple[NDArray[np.int16], float, float, int],
) -> None:
    counts, fs_hz, lsb_g, block = case
    want, _ = run_event_mode(counts, fs_hz, lsb_g, block_samples=block, start_tick=12345)
    assert _events_c(counts, fs_hz, lsb_g, start_tick=12345) == want


# ------------------------------------------------------------------------------ DATA and the ring


@pytest.mark.parametrize(("difficulty", "seed", "frame_samples", "compress"),
                         [("ordinary", 1, 38, False), ("hard", 0, 12, True), ("easy", 2, 83, True)])  # fmt: skip
def test_data_frames_equal_the_simulated_bands_on_nights(
    difficulty: str, seed: int, frame_samples: int, compress: bool
) -> None:
    night = cached_night(difficulty, seed)
    fmt = p.SampleFormat.from_lsb(night.fs_hz, night.lsb_g)
    want = _band_data_frames(night.counts, night.fs_hz, night.lsb_g, frame_samples,
                             compress=compress)  # fmt: skip
    got = _data_c(night.counts, fmt, frame_samples, capacity=len(night.counts) + 10,
                  chunks=[1, 25, 500, 7, 3001], delta=compress)  # fmt: skip
    assert len(want) == -(-len(night.counts) // frame_samples)
    assert got == want


def test_data_frames_equal_the_bands_after_the_flash_ring_wrapped() -> None:
    fs_hz, lsb_g = 25.0, 2.0**-12
    capacity = int(12 * 3600 * fs_hz)  # the smallest flash the simulated band accepts
    rng = np.random.default_rng(4)
    n = capacity + 54321
    counts = np.cumsum(rng.integers(-40, 41, (n, 3)), axis=0).astype(np.int16)
    want = _band_data_frames(counts, fs_hz, lsb_g, 38, flash_bytes=capacity * p.SAMPLE_BYTES)
    got = _data_c(counts, p.SampleFormat.from_lsb(fs_hz, lsb_g), 38, capacity=capacity,
                  chunks=[4096, 1, 333])  # fmt: skip
    first = p.decode_frame(want[0])
    assert first.seq == -(-(n - capacity) // 38)
    assert got == want


@_SETTINGS
@given(
    st.integers(0, 700),
    st.integers(1, p.max_samples_per_frame(None)),
    st.lists(st.integers(1, 400), min_size=1, max_size=6),
    st.booleans(),
    st.sampled_from(["walk", "full", "const"]),
    st.integers(0, 2**31),
)
def test_data_frames_equal_the_models_for_random_samples_any_block_and_frame_size(
    n: int, frame_samples: int, chunks: list[int], compress: bool, kind: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    if kind == "walk":
        counts = np.cumsum(rng.integers(-300, 301, (n, 3)), axis=0).astype(np.int16)
    elif kind == "full":
        counts = rng.integers(-32768, 32768, (n, 3)).astype(np.int16)
    else:
        counts = np.full((n, 3), -32768, np.int16)
    fs_hz, lsb_g = 50.0, 2.0**-11
    fmt = p.SampleFormat.from_lsb(fs_hz, lsb_g)
    # the model's band, recording in steps that do not line up with the frames
    steps = [c / fs_hz for c in chunks]
    want = _band_data_frames(counts, fs_hz, lsb_g, frame_samples, compress=compress,
                             steps_s=steps) if n else []  # fmt: skip
    got = _data_c(counts, fmt, frame_samples, capacity=max(1, n), chunks=chunks, delta=compress)
    assert got == want


# ------------------------------------------------------------------------------ byte level


@_FEW
@given(st.binary(max_size=1200))
def test_cobs_equals_the_models(data: bytes) -> None:
    encoded = ch.run_host(["cobs"], data)
    assert encoded == p.cobs_encode(data)
    assert ch.run_host(["uncobs"], encoded) == data


@_FEW
@given(st.binary(min_size=1, max_size=300))
def test_cobs_decoder_refuses_what_the_model_refuses(block: bytes) -> None:
    try:
        want: bytes | None = p.cobs_decode(block)
    except p.CobsDecodeError:
        want = None
    try:
        got: bytes | None = ch.run_host(["uncobs"], block)
    except ch.subprocess.CalledProcessError as exc:
        assert exc.returncode == 3
        got = None
    assert got == want


_STATUS = {
    p.BadLength: 1,
    p.BadCRC: 2,
    p.BadVersion: 3,
    p.UnknownType: 4,
    p.UnknownOpcode: 5,
}


@_FEW
@given(
    st.one_of(
        st.binary(max_size=40),
        st.builds(
            lambda op, cid, args, flip: (
                lambda b: b[:flip] + bytes([b[flip] ^ 1]) + b[flip + 1 :] if flip < len(b) else b
            )(p.encode_command(op, cid, args)),
            st.integers(0, 12),
            st.integers(0, 0xFFFF),
            st.binary(max_size=9),
            st.integers(0, 60),
        ),
    )
)
def test_command_decoding_equals_the_models(data: bytes) -> None:
    words = ch.run_host(["command"], data).decode().split()
    try:
        cmd = p.decode_command(data)
    except p.ProtocolError as exc:
        assert int(words[0]) == _STATUS[type(exc)], exc
        return
    assert words[:3] == ["0", str(int(cmd.opcode)), str(cmd.cmd_id)]
    assert (words[3] if len(words) > 3 else "") == cmd.args.hex()


_U32 = st.integers(0, 2**32 - 1)
_U8 = st.integers(0, 255)
_U16 = st.integers(0, 0xFFFF)
_BIG = st.integers(0, 2**20)


def _hex(data: bytes) -> str:
    return data.hex() or "-"


#: (harness line, the model's frame) for every encoder, with fields beyond the frame's ranges
_ENCODED = st.one_of(
    st.builds(
        lambda s, t, b, state, fill, temp, fl: (
            f"status {s} {t} {b} {state} {fill} {temp} {fl}",
            p.encode_status(s, t, battery_pct=b, state=state, flash_fill_permille=fill,
                            temperature_c=temp / 100, flags=fl),
        ),
        _U32, _U32, st.integers(-5, 300), _U8, st.integers(-5, 3000),
        st.integers(-40000, 40000), _U8,
    ),
    st.builds(
        lambda s, op, cid, res, data, fl: (
            f"response {s} {op} {cid} {res} {_hex(data)} {fl}",
            p.encode_response(s, op, cid, res, data, flags=fl),
        ),
        _U32, _U8, _U16, _U8, st.binary(max_size=500), _U8,
    ),
    st.builds(
        lambda s, t, dur, peak, kind, conf, fl: (
            f"event {s} {t} {dur} {peak} {kind} {conf} {fl}",
            p.encode_event(s, t, dur, peak, kind, conf, flags=fl),
        ),
        _U32, _U32, _BIG, _BIG, _U8, _U8, _U8,
    ),
    st.builds(
        lambda s, t, lm, plm, mean, mx, post, still, fl: (
            f"summary {s} {t} {lm} {plm} {mean} {mx} {post} {still} {fl}",
            p.encode_summary(s, t, lm_count=lm, plm_count=plm, mean_activity_mg=mean,
                             max_activity_mg=mx, posture=post, still_pct=still, flags=fl),
        ),
        _U32, _U32, st.integers(0, 999), st.integers(0, 999), _BIG, _BIG, _U8,
        st.integers(0, 250), _U8,
    ),
    st.builds(
        lambda s, reason, cid, first, stop, fl: (
            f"end {s} {reason} {cid} {first} {stop} {fl}",
            p.encode_end(s, reason, cmd_id=cid, first_seq=first, stop_seq=stop, flags=fl),
        ),
        _U32, _U8, _U16, _U32, _U32, _U8,
    ),
    st.builds(
        lambda op, cid, args: (f"command {op} {cid} {_hex(args)}", p.encode_command(op, cid, args)),
        _U8, _U16, st.binary(max_size=20),
    ),
)  # fmt: skip


@_SETTINGS
@given(st.lists(_ENCODED, min_size=1, max_size=40))
def test_frame_encoders_equal_the_models(items: list[tuple[str, bytes]]) -> None:
    text = "".join(line + "\n" for line, _ in items)
    got = ch.split_frames(ch.run_host(["encode"], text.encode()))
    assert got == [frame for _, frame in items]


def test_info_record_equals_the_models() -> None:
    infos = [
        p.BandInfo("RLS-0123456789ABCDEF", "RLS-band", "SN-7", "1.0.0",
                   p.SampleFormat(100.0, 8.0, 14), 38, p.TICK_HZ, 5592405, p.Mode.EVENTS),
        p.BandInfo("X", "M" * 32, "s", "f", p.SampleFormat(), 83, 1024, 0, p.Mode.RAW),
    ]  # fmt: skip
    lines = [
        f"info {i.format.code} {i.frame_samples} {i.tick_hz} {i.ring_capacity_samples} "
        f"{int(i.mode)} {i.device_id} {i.model} {i.serial} {i.firmware}"
        for i in infos
    ]
    got = ch.split_frames(ch.run_host(["encode"], ("\n".join(lines) + "\n").encode()))
    assert got == [p.encode_info(i) for i in infos]
    assert p.decode_info(got[0]) == infos[0]


def test_harness_output_is_length_prefixed() -> None:
    frames = ch.split_frames(ch.run_host(["encode"], b"end 1 2 3 4 5 6\n"))
    assert frames == [p.encode_end(1, 2, cmd_id=3, first_seq=4, stop_seq=5, flags=6)]
    assert struct.unpack("<H", ch.run_host(["encode"], b"end 1 2 3 4 5 6\n")[:2]) == (19,)


@_FEW
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=600).map(lambda b: p.cobs_encode(b) + b"\x00"),
            st.binary(max_size=80),
            st.just(b"\x00"),
        ),
        max_size=12,
    ),
    st.lists(st.integers(1, 700), min_size=1, max_size=5),
    st.sampled_from([520, 64, 1]),
)
def test_cobs_stream_decoder_equals_the_models(
    pieces: list[bytes], chunks: list[int], max_block: int
) -> None:
    stream = b"".join(pieces)
    model = p.CobsDecoder(max_block=max_block)
    want: list[bytes] = []
    pos, c = 0, 0
    while pos < len(stream):
        want += model.feed(stream[pos : pos + chunks[c % len(chunks)]])
        pos += chunks[c % len(chunks)]
        c += 1
    lines = ch.run_host(["stream", str(max_block), ",".join(map(str, chunks))], stream)
    *frames, counts = lines.decode().splitlines()
    assert [bytes.fromhex(f) for f in frames] == want
    assert [int(v) for v in counts.split()] == [model.errors, model.dropped_bytes, model.frames]


@_FEW
@given(st.binary(max_size=1500), st.sampled_from([13, 20, 64, 244, 512]), _U32, _U8, _U16, _U8)
def test_split_response_equals_the_models(
    data: bytes, max_len: int, seq: int, op: int, cmd_id: int, result: int
) -> None:
    args = ["split", str(max_len), str(seq), str(op), str(cmd_id), str(result)]
    got = ch.split_frames(ch.run_host(args, data))
    assert got == p.split_response(seq, op, cmd_id, result, data, max_frame_len=max_len)
