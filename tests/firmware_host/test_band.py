"""The simulated band: streaming, flash ring and resends, clock, battery, commands, faults."""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from firmware_host.band import SimulatedBand

FS = 50.0
LSB = 2.0**-12


def source(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-4000, 4000, (n, 3)).astype(np.int16)


def make(n: int = 3000, seed: int = 0, **kw: object) -> SimulatedBand:
    return SimulatedBand(source(n, seed), lsb_g=LSB, fs_hz=FS, device_id="RLS-TEST-0001", **kw)  # type: ignore[arg-type]


def run(band: SimulatedBand, seconds: float, step_s: float = 0.5) -> list[bytes]:
    out: list[bytes] = []
    for _ in range(math.ceil(seconds / step_s)):
        out += band.advance(step_s)
    return out


def decode(raws: list[bytes]) -> list[p.Frame]:
    return [p.decode_frame(r) for r in raws]


def data(frames: list[p.Frame]) -> list[p.DataFrame]:
    return [f for f in frames if isinstance(f, p.DataFrame)]


def of(frames: list[p.Frame], kind: type) -> list[Any]:
    return [f for f in frames if isinstance(f, kind)]


def response(raws: list[bytes]) -> p.ResponseFrame:
    asm = p.ResponseAssembler()
    for f in decode(raws):
        if isinstance(f, p.ResponseFrame) and (whole := asm.feed(f)) is not None:
            return whole
    raise AssertionError("no response")


def start(band: SimulatedBand, from_seq: int = 0, cmd_id: int = 1) -> p.ResponseFrame:
    return response(band.handle_command(p.cmd_start_stream(cmd_id, from_seq)))


def joined(frames: list[p.DataFrame]) -> np.ndarray:
    frames = sorted({f.seq: f for f in frames}.values(), key=lambda f: f.seq)
    return np.concatenate([f.samples for f in frames])


# ---------------------------------------------------------------------------------------------
# streaming
# ---------------------------------------------------------------------------------------------


def test_live_stream_delivers_the_source_exactly() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    r = start(band, 0)
    assert r.ok and struct.unpack("<II", r.data) == (0, 0)
    frames = decode(run(band, 62.0))
    d = data(frames)
    assert [f.seq for f in d] == list(range(band.frames_total)) == list(range(79))
    assert all(f.count == 38 for f in d[:-1]) and d[-1].count == 3000 - 78 * 38
    np.testing.assert_array_equal(joined(d), band.source)
    assert all(f.tick == math.floor(f.seq * 38 / FS * p.TICK_HZ) for f in d)
    assert all(f.format == p.SampleFormat(50.0, 8.0, 16) for f in d)
    assert d[0].flags & p.FLAG_RESUMED and not any(f.flags for f in d[1:])
    ends = of(frames, p.EndFrame)
    assert [(e.reason, e.seq) for e in ends] == [(p.EndReason.RECORDING_ENDED, 79)]
    assert band.source_exhausted and band.next_seq == 79
    assert of(frames, p.StatusFrame)  # periodic status


def test_frames_are_only_sent_once_complete_and_in_time() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    start(band, 0)
    d = data(decode(band.advance(1.0)))  # 50 samples recorded: one whole frame of 38
    assert [f.seq for f in d] == [0]
    assert band.recorded_samples == 50


def test_compressed_stream_is_exact_and_smaller() -> None:
    quiet = (np.random.default_rng(2).normal(0, 16, (3000, 3)) + np.array([0, 0, 4096])).astype(
        np.int16
    )
    sizes = {}
    for compress in (False, True):
        band = SimulatedBand(quiet, lsb_g=LSB, fs_hz=FS, compress=compress)
        band.connect(att_mtu=247)
        start(band)
        raws = [r for r in run(band, 61.0) if r[0] & 0x0F == p.DATA]
        sizes[compress] = sum(map(len, raws))
        d = data(decode(raws))
        assert all(bool(f.flags & p.FLAG_DELTA) == compress for f in d[:-1])
        np.testing.assert_array_equal(joined(d), quiet)
        band.handle_command(p.cmd_resend(9, 3, 4))
        (again,) = data(decode(band.advance(0.1)))
        assert (
            again.payload == d[3].payload
            and again.flags & p.FLAG_DELTA == d[3].flags & p.FLAG_DELTA
        )
    assert sizes[True] < 0.55 * sizes[False]


def test_status_frames_are_periodic() -> None:
    band = make(3000, status_interval_s=10.0)
    band.connect(att_mtu=247)
    start(band)
    statuses = of(decode(run(band, 55.0)), p.StatusFrame)
    assert len(statuses) == 6
    assert all(s.streaming and s.state & p.STATE_RECORDING for s in statuses)
    assert statuses[-1].battery_pct == 100 and statuses[-1].temperature_c == pytest.approx(31.5)


def test_signal_model_source() -> None:
    from firmware_host.signal_model import night_config, simulate_night

    night = simulate_night(night_config("none", duration_s=120.0), seed=3)
    band = SimulatedBand(night, device_id="RLS-NIGHT")
    assert band.fs_hz == night.fs_hz and band.lsb_g == night.lsb_g
    band.connect(att_mtu=185)
    start(band)
    d = data(decode(run(band, 121.0, step_s=1.0)))
    assert max(f.count for f in d) == 28
    np.testing.assert_array_equal(joined(d), night.counts)


# ---------------------------------------------------------------------------------------------
# flash ring and resends
# ---------------------------------------------------------------------------------------------


def test_resend_from_the_ring_is_bit_identical() -> None:
    clean = make(3000)
    clean.connect(att_mtu=247)
    start(clean)
    reference = {f.seq: f for f in data(decode(run(clean, 61.0)))}

    band = make(3000)
    band.faults.drop_seqs = {3, 4, 10}
    band.connect(att_mtu=247)
    start(band)
    got = data(decode(run(band, 61.0)))
    assert {3, 4, 10}.isdisjoint(f.seq for f in got)
    answer = band.handle_command(p.cmd_resend(5, 3, 5)) + band.handle_command(
        p.cmd_resend(6, 10, 11)
    )
    assert [struct.unpack("<II", f.data) for f in of(decode(answer), p.ResponseFrame)] == [
        (3, 5),
        (10, 11),
    ]
    frames = decode(band.advance(0.5))
    resent = data(frames)
    assert [f.seq for f in resent] == [3, 4, 10]
    for f in resent:
        assert f.resent
        ref = reference[f.seq]
        assert (f.payload, f.tick, f.format) == (ref.payload, ref.tick, ref.format)
    ends = of(frames, p.EndFrame)
    assert [(e.reason, e.cmd_id, e.first_seq, e.stop_seq) for e in ends] == [
        (p.EndReason.RESEND_DONE, 5, 3, 5),
        (p.EndReason.RESEND_DONE, 6, 10, 11),
    ]


def test_resend_arguments() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    run(band, 10.0)  # 500 samples: 13 frames
    r = response(band.handle_command(p.cmd_resend(1, 5, 5)))
    assert r.result == p.Result.BAD_ARGUMENT
    r = response(band.handle_command(p.cmd_resend(2, 20, 30)))
    assert r.result == p.Result.NOT_AVAILABLE  # not recorded yet
    r = response(band.handle_command(p.cmd_resend(3, 10, 100)))
    assert r.ok and struct.unpack("<II", r.data) == (10, 13)  # clipped to what exists
    assert [f.seq for f in data(decode(band.advance(0.1)))] == [10, 11, 12]


def test_resends_are_paced_by_the_link() -> None:
    band = make(30000, link_frames_per_s=100.0)
    band.connect(att_mtu=247)
    run(band, 400.0, step_s=50.0)  # offline: 20000 samples, 526 frames
    band.handle_command(p.cmd_resend(1, 0, 526))
    counts = [len(data(decode(band.advance(1.0)))) for _ in range(6)]
    assert counts == [100] * 5 + [26]


def test_ring_overwrites_the_oldest_samples() -> None:
    fs = 12.5
    capacity = int(12 * 3600 * fs)  # exactly 12 h
    src = source(capacity + 60_000, seed=1)
    band = SimulatedBand(src, lsb_g=LSB, fs_hz=fs, flash_bytes=capacity * 6, frame_samples=40)
    assert band.ring_capacity == capacity
    run(band, len(src) / fs + 1.0, step_s=3600.0)  # offline, no host
    assert band.recorded_samples == len(src) and band.source_exhausted
    assert band.oldest_recorded == 60_000 and band.oldest_seq == 1500
    np.testing.assert_array_equal(band.ring_samples(60_000, len(src)), src[60_000:])
    with pytest.raises(IndexError):
        band.ring_samples(59_999, 60_010)
    band.connect(att_mtu=None)
    assert response(band.handle_command(p.cmd_resend(1, 0, 100))).result == p.Result.NOT_AVAILABLE
    r = response(band.handle_command(p.cmd_resend(2, 1490, 1502)))
    assert struct.unpack("<II", r.data) == (1500, 1502)
    d = data(decode(band.advance(0.1)))
    assert [f.seq for f in d] == [1500, 1501]
    np.testing.assert_array_equal(joined(d), src[60_000:60_080])
    status = of(decode(band.handle_command(p.cmd_get_status(3))), p.StatusFrame)[0]
    assert status.flash_fill_permille == 1000 and status.state & p.STATE_FLASH_WRAPPED


def test_flash_must_hold_twelve_hours() -> None:
    with pytest.raises(ValueError, match="12 h"):
        make(100, flash_bytes=int(11 * 3600 * FS * 6))
    band = make(100)
    assert band.flash_bytes == 32 * 1024 * 1024
    assert band.ring_capacity / FS / 3600 > 31


def test_offline_recording_and_morning_sync() -> None:
    band = make(60_000, link_frames_per_s=200.0)
    assert band.advance(600.0) == []  # no host: records to flash only
    assert band.recorded_samples == 30_000 and band.next_seq == 789
    band.connect(att_mtu=247)
    r = start(band, 0, cmd_id=9)
    assert struct.unpack("<II", r.data) == (789, 0)
    frames = decode(run(band, 10.0, step_s=1.0))
    d = data(frames)
    catch_up = [f for f in d if f.seq < 789]
    live = [f for f in d if f.seq >= 789]
    assert all(f.resent for f in catch_up) and not any(f.resent for f in live)
    assert live[0].flags & p.FLAG_RESUMED
    done = [e for e in of(frames, p.EndFrame) if e.reason == p.EndReason.RESEND_DONE]
    assert [(e.cmd_id, e.first_seq, e.stop_seq) for e in done] == [(9, 0, 789)]
    assert frames.index(done[0]) > max(frames.index(f) for f in catch_up)
    np.testing.assert_array_equal(joined(d), band.source[: len(joined(d))])
    assert len(joined(d)) == band.next_seq * 38


def test_start_stream_live_only() -> None:
    band = make(3000)
    run(band, 10.0)
    band.connect(att_mtu=247)
    r = start(band, p.LIVE_ONLY)
    assert struct.unpack("<II", r.data) == (13, 0)
    assert [f.seq for f in data(decode(band.advance(1.0)))] == [13]


# ---------------------------------------------------------------------------------------------
# MTU sizing
# ---------------------------------------------------------------------------------------------


def test_mtu_23_gives_one_sample_frames_and_split_responses() -> None:
    band = make(500)
    band.connect(att_mtu=23)
    assert band.frame_samples == 1
    raws = band.handle_command(p.cmd_get_info(4))
    assert len(raws) > 1 and all(len(r) <= 20 for r in raws)
    info = p.decode_info(response(raws).data)
    assert (info.device_id, info.frame_samples, info.fs_hz, info.lsb_g) == (
        "RLS-TEST-0001",
        1,
        FS,
        LSB,
    )
    assert info.tick_hz == p.TICK_HZ and info.ring_capacity_samples == band.ring_capacity
    assert band.info_bytes() == response(raws).data
    start(band)
    out = run(band, 11.0)
    assert all(len(r) <= 20 for r in out)
    np.testing.assert_array_equal(joined(data(decode(out))), band.source)


def test_mtu_too_small_once_recording() -> None:
    band = make(3000)
    run(band, 1.0)
    band.connect(att_mtu=23)
    assert band.frame_samples == 38  # fixed once samples are in flash
    r = start(band)
    assert r.result == p.Result.MTU_TOO_SMALL and struct.unpack("<H", r.data) == (245,)
    assert band.advance(1.0) == []
    band.connect(att_mtu=247)
    assert start(band).ok


# ---------------------------------------------------------------------------------------------
# clock and battery
# ---------------------------------------------------------------------------------------------


def test_clock_drift_is_visible_in_ticks() -> None:
    ticks = {}
    for ppm in (0.0, 500.0):
        band = make(180_000, drift_ppm=ppm)
        band.connect(att_mtu=247)
        run(band, 3600.0, step_s=60.0)
        r = response(band.handle_command(p.cmd_sync_time(1, 1.7e9 + 3600)))
        ticks[ppm] = struct.unpack("<I", r.data)[0]
        band.handle_command(p.cmd_resend(2, 4000, 4001))
        (f,) = data(decode(band.advance(0.01)))
        assert f.tick == math.floor(4000 * 38 / FS * p.TICK_HZ * (1 + ppm * 1e-6))
    assert ticks[0.0] == 3600 * p.TICK_HZ
    assert ticks[500.0] - ticks[0.0] == pytest.approx(3600 * p.TICK_HZ * 500e-6, abs=1)


def test_drift_change_keeps_ticks_continuous_and_tick_wraps() -> None:
    band = make(3000, tick0=2**32 - 1024)  # wraps after 1 s
    band.connect(att_mtu=247)
    start(band)
    d = data(decode(run(band, 20.0)))
    band.drift_ppm = -20000.0
    d += data(decode(run(band, 20.0)))
    unwrapped = np.unwrap(np.array([f.tick for f in d], float), period=2**32)
    steps = np.diff(unwrapped)
    assert d[2].tick < d[1].tick  # wrapped
    assert np.all(steps > 0)
    assert steps[0] == pytest.approx(38 / FS * 1024, abs=1)
    assert steps[-1] == pytest.approx(38 / FS * 1024 * 0.98, abs=1)


def test_battery_runs_down_and_the_band_stops() -> None:
    band = make(60_000, battery_pct=1.0)  # 1.5 + 4.5 %/h while streaming: 1 % lasts 600 s
    band.connect(att_mtu=247)
    start(band)
    frames = decode(run(band, 900.0, step_s=5.0))
    ends = of(frames, p.EndFrame)
    assert ends[-1].reason == p.EndReason.BATTERY_EMPTY
    assert not band.powered and band.battery_pct == 0.0
    assert band.recorded_samples == pytest.approx(600 * FS, abs=1)
    assert band.next_seq == math.ceil(band.recorded_samples / 38)  # partial frame flushed
    d = data(frames)
    assert d[-1].seq == band.next_seq - 1
    np.testing.assert_array_equal(joined(d), band.source[: band.recorded_samples])
    assert band.advance(10.0) == []
    band.connect(att_mtu=247)
    assert not band.connected and band.handle_command(p.cmd_get_status(1)) == []


def test_battery_drains_slower_when_not_streaming() -> None:
    band = make(60_000)
    band.advance(2 * 3600.0)
    assert band.battery_pct == pytest.approx(100 - 3.0)
    status = of(decode(band.handle_command(p.cmd_get_status(1))), p.StatusFrame)
    assert status == []  # not connected: no answer
    band.connect(att_mtu=247)
    (s,) = of(decode(band.handle_command(p.cmd_get_status(1))), p.StatusFrame)
    assert s.battery_pct == 97 and not s.streaming


def test_battery_fault_kills_at_a_given_time() -> None:
    band = make(3000)
    band.faults.battery_empty_at_s = 12.0
    band.connect(att_mtu=247)
    start(band)
    frames = decode(run(band, 30.0))
    assert of(frames, p.EndFrame)[-1].reason == p.EndReason.BATTERY_EMPTY
    assert band.recorded_samples == 600 and not band.powered


# ---------------------------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------------------------


def stream_with(**faults: object) -> tuple[SimulatedBand, list[bytes]]:
    band = make(3000, seed=5)
    for name, value in faults.items():
        setattr(band.faults, name, value)
    band.connect(att_mtu=247)
    start(band)
    return band, run(band, 61.0)


def test_drop_specific_frames() -> None:
    band, raws = stream_with(drop_seqs={0, 7})
    seqs = [f.seq for f in data(decode(raws))]
    assert seqs == [s for s in range(79) if s not in (0, 7)]
    assert band.stats.dropped == 2


def test_corrupt_frames_fail_their_crc() -> None:
    band, raws = stream_with(corrupt_seqs={2, 40})
    bad = []
    for raw in raws:
        try:
            p.decode_frame(raw)
        except p.BadCRC:
            bad.append(raw)
    assert len(bad) == 2 and band.stats.corrupted == 2


def test_duplicate_and_reorder() -> None:
    _, raws = stream_with(duplicate_seqs={2}, reorder_seqs={5})
    seqs = [f.seq for f in data(decode(raws))]
    assert seqs[:9] == [0, 1, 2, 2, 3, 4, 6, 5, 7]


def test_probabilistic_faults_are_seeded_and_deterministic() -> None:
    kw = {
        "drop_probability": 0.05,
        "corrupt_probability": 0.05,
        "duplicate_probability": 0.05,
        "reorder_probability": 0.05,
    }
    a = stream_with(**kw)[1]
    b = stream_with(**kw)[1]
    assert a == b
    band = make(3000, seed=6)
    for name, value in kw.items():
        setattr(band.faults, name, value)
    band.connect(att_mtu=247)
    start(band)
    assert run(band, 61.0) != a


def test_probabilistic_drop_rate() -> None:
    band = make(60_000, seed=11)
    band.faults.drop_probability = 0.1
    band.connect(att_mtu=247)
    start(band)
    run(band, 1201.0, step_s=5.0)
    assert band.stats.data_sent == 1579
    assert 0.07 < band.stats.dropped / band.stats.data_sent < 0.13


def test_link_drop_stops_sending_until_reconnected() -> None:
    band = make(3000)
    band.faults.drop_link_at_s = [10.0]
    band.connect(att_mtu=247)
    start(band)
    before = data(decode(run(band, 20.0)))
    assert band.link_dropped and not band.connected and band.link_drops_s == [10.0]
    assert max(f.seq for f in before) == 12  # 500 samples at 10 s
    assert band.handle_command(p.cmd_get_status(1)) == []
    assert band.advance(5.0) == []
    assert band.recorded_samples == 1250  # flash recording goes on
    band.connect(att_mtu=247)
    assert not band.link_dropped
    assert band.advance(1.0) == []  # streaming must be started again
    start(band, 13, cmd_id=2)
    after = data(decode(run(band, 40.0)))
    first_live = next(f for f in after if not f.resent)
    assert first_live.flags & p.FLAG_RESUMED
    np.testing.assert_array_equal(joined(before + after), band.source)


def test_silence_without_disconnect() -> None:
    band = make(3000)
    band.faults.silent_at_s = [5.0]
    band.connect(att_mtu=247)
    start(band)
    run(band, 6.0)
    assert band.silent and band.connected and not band.link_dropped
    assert band.advance(5.0) == []
    assert band.handle_command(p.cmd_get_status(1)) == []
    band.connect(att_mtu=247)
    assert not band.silent
    assert response(band.handle_command(p.cmd_get_status(2))).ok


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------


def test_bad_commands_are_answered() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    unknown = p.decode_frame(band.handle_command(p.encode_command(0x7E, 12))[0])
    assert isinstance(unknown, p.ResponseFrame)
    assert (unknown.result, unknown.cmd_id, unknown.opcode) == (p.Result.UNKNOWN_COMMAND, 12, 0x7E)
    bad_crc = bytearray(p.cmd_get_status(13))
    bad_crc[-1] ^= 1
    r = p.decode_frame(band.handle_command(bytes(bad_crc))[0])
    assert isinstance(r, p.ResponseFrame) and r.result == p.Result.BAD_FRAME
    short = p.encode_command(p.Op.RESEND, 14, b"\x00")
    r = p.decode_frame(band.handle_command(short)[0])
    assert isinstance(r, p.ResponseFrame) and r.result == p.Result.BAD_ARGUMENT
    assert band.stats.bad_commands == 3


def test_stop_stream() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    start(band)
    run(band, 5.0)
    frames = decode(band.handle_command(p.cmd_stop_stream(2)))
    assert of(frames, p.EndFrame)[0].reason == p.EndReason.STOPPED
    assert not band.streaming and data(decode(run(band, 5.0))) == []


def test_events_mode_streams_the_on_device_detector() -> None:
    from firmware_host.event_mode import run_event_mode
    from firmware_host.signal_model import night_config, simulate_night

    night = simulate_night(night_config("ordinary", duration_s=900.0), seed=1)
    expected, _ = run_event_mode(night.counts, night.fs_hz, night.lsb_g)
    band = SimulatedBand(night, device_id="RLS-EVENTS")
    band.connect(att_mtu=23)
    assert response(band.handle_command(p.cmd_set_mode(1, p.Mode.EVENTS))).ok
    assert response(band.handle_command(p.cmd_set_mode(2, 7))).result == p.Result.BAD_ARGUMENT
    start(band, 0, cmd_id=3)
    assert response(band.handle_command(p.cmd_set_mode(4, p.Mode.RAW))).result == p.Result.BUSY
    frames = decode(run(band, 905.0, step_s=1.0))
    assert data(frames) == []
    events = [f for f in frames if isinstance(f, p.EventFrame | p.SummaryFrame)]
    assert events == [p.decode_frame(f) for f in expected]
    assert any(isinstance(f, p.EventFrame) for f in events)
    assert [f.seq for f in events] == list(range(len(events)))
    assert of(frames, p.EndFrame)[-1].reason == p.EndReason.RECORDING_ENDED
    assert all(s.state & p.STATE_EVENTS_MODE for s in of(frames, p.StatusFrame))
    band.handle_command(p.cmd_resend(5, 100, 102))  # raw data around an event, from flash
    raw = data(decode(band.advance(1.0)))
    np.testing.assert_array_equal(joined(raw), night.counts[100:102])


def test_set_mode_and_set_format() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    assert response(band.handle_command(p.cmd_set_mode(2, p.Mode.RAW))).ok
    other_rate = p.SampleFormat(100.0, 8.0, 16)
    r = response(band.handle_command(p.cmd_set_format(3, other_rate)))
    assert r.result == p.Result.UNSUPPORTED
    coarse = p.SampleFormat(50.0, 16.0, 12)  # lsb 2**-7 g: 32 times coarser
    r = response(band.handle_command(p.cmd_set_format(4, coarse, 20)))
    assert r.ok and r.data == bytes([coarse.code, 20])
    start(band)
    d = data(decode(run(band, 2.0)))
    assert d[0].format == coarse and d[0].count == 20
    expected = np.clip(np.round(band.source[:20].astype(float)), -2047, 2047)
    np.testing.assert_array_equal(d[0].samples, expected)
    np.testing.assert_allclose(
        d[0].samples * coarse.lsb_g, source(3000, 0)[:20] * LSB, atol=coarse.lsb_g / 2
    )
    r = response(band.handle_command(p.cmd_set_format(5, coarse, 10)))
    assert r.result == p.Result.BUSY


def test_erase_restarts_sequence_numbers() -> None:
    band = make(3000)
    band.connect(att_mtu=247)
    start(band)
    run(band, 10.0)
    assert response(band.handle_command(p.cmd_erase(2))).result == p.Result.BUSY
    band.handle_command(p.cmd_stop_stream(3))
    bad = p.encode_command(p.Op.ERASE, 4, b"\x00\x00\x00\x00")
    assert response(band.handle_command(bad)).result == p.Result.BAD_ARGUMENT
    assert response(band.handle_command(p.cmd_erase(5))).ok
    assert band.recorded_samples == 0 and band.next_seq == 0
    start(band, 0, cmd_id=6)
    d = data(decode(run(band, 2.0)))
    assert d[0].seq == 0
    np.testing.assert_array_equal(d[0].samples, band.source[500:538])


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="lsb_g and fs_hz"):
        SimulatedBand(source(10))
    with pytest.raises(ValueError, match="rate_hz"):
        SimulatedBand(source(10), lsb_g=LSB, fs_hz=47.0)
    with pytest.raises(ValueError, match="lsb_g"):
        SimulatedBand(source(10), lsb_g=0.003, fs_hz=FS)
    with pytest.raises(ValueError, match="device_id"):
        SimulatedBand(source(10), lsb_g=LSB, fs_hz=FS, device_id="")
    with pytest.raises(ValueError, match="shape|integer"):
        SimulatedBand(np.zeros((10, 2), np.int16), lsb_g=LSB, fs_hz=FS)
    with pytest.raises(ValueError, match="dt_s"):
        make(10).advance(-1.0)


# ---------------------------------------------------------------------------------------------
# property: whatever the air does, a host that asks for resends gets the night exactly
# ---------------------------------------------------------------------------------------------


def host_session(
    band: SimulatedBand, seconds: float, step_s: float = 1.0
) -> dict[int, p.DataFrame]:
    """A minimal host: keep good frames, resend what is missing below the band's next_seq."""
    got: dict[int, p.DataFrame] = {}
    band_next = 0
    cmd_id = 10
    t = 0.0
    while t < seconds:
        t += step_s
        raws = band.advance(step_s)
        if band.link_dropped or band.silent:  # the transport's reconnect
            band.connect(att_mtu=247)
            raws += band.handle_command(
                p.cmd_start_stream(cmd_id, min(set(range(band_next + 1)) - set(got)))
            )
            cmd_id += 1
        for raw in raws:
            try:
                f = p.decode_frame(raw)
            except p.ProtocolError:
                continue
            if isinstance(f, p.DataFrame):
                got.setdefault(f.seq, f)
                band_next = max(band_next, f.seq + 1)
            else:
                band_next = max(band_next, f.seq)
        missing = sorted(set(range(band_next)) - set(got))
        for s in missing[:50]:
            band.handle_command(p.cmd_resend(cmd_id, s, s + 1))
            cmd_id += 1
    return got


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    probs=st.tuples(*[st.sampled_from([0.0, 0.05, 0.3])] * 4),
    drop_at=st.lists(st.floats(1.0, 100.0), max_size=2),
    silent_at=st.lists(st.floats(1.0, 100.0), max_size=2),
)
def test_any_fault_mix_is_recovered_exactly(
    seed: int, probs: tuple[float, ...], drop_at: list[float], silent_at: list[float]
) -> None:
    band = make(6000, seed=seed)
    f = band.faults
    f.drop_probability, f.corrupt_probability, f.duplicate_probability, f.reorder_probability = (
        probs
    )
    f.drop_link_at_s, f.silent_at_s = list(drop_at), list(silent_at)
    band.connect(att_mtu=247)
    start(band)
    got = host_session(band, 160.0)
    assert sorted(got) == list(range(band.frames_total))
    np.testing.assert_array_equal(joined(list(got.values())), band.source)


def test_a_band_records_a_streamed_night_as_it_goes() -> None:
    """A band playing a 31 h night (its flash's worth) from a stream sends its first frames at
    once, the stream's own samples, without the night ever being rendered whole."""
    import time
    import tracemalloc

    from firmware_host.band import DEFAULT_FLASH_BYTES
    from firmware_host.signal_model import night_config, stream_night

    longest_s = DEFAULT_FLASH_BYTES // p.SAMPLE_BYTES / FS
    stream = stream_night(night_config("ordinary", duration_s=longest_s, fs_hz=FS), seed=3)
    tracemalloc.start()
    started = time.perf_counter()
    band = SimulatedBand(stream, device_id="RLS-TEST-0001")
    band.connect(att_mtu=247)
    assert start(band, 0).ok
    d = data(decode(run(band, 20.0)))
    first_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert band.frames_total == -(-len(stream) // 38) and band.lsb_g == stream.lsb_g
    got = joined(d)
    assert len(got) >= 900
    np.testing.assert_array_equal(got, stream[0 : len(got)])
    assert first_s < 5.0  # the whole night rendered first takes seconds and half a GB
    # the flash ring (6 bytes a sample: 33.5 MB, allocated untouched) plus a window of the night
    assert peak < 33.6e6 + 15e6, peak
