"""scoring.band_events: the host's reading of a band's event frames (WASM 2016 context rules)."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_host import protocol as p
from firmware_host.event_mode import run_event_mode
from firmware_host.protocol import KIND_IN_BED, KIND_OUT_OF_BED
from rls_monitor.errors import ConfigError, FrameError
from rls_monitor.scoring.band_events import decode_band_events, lying_movements, score_band_events
from tests.firmware_host.cached_nights import cached_night as _night


def test_host_context_rules_on_hand_made_frames() -> None:
    tick = p.TICK_HZ
    frames = [
        p.encode_event(0, 100 * tick, 0, 0, kind=KIND_IN_BED),
        p.encode_event(1, 102 * tick, 2000, 50, kind=0),  # within 5 s of the bout start
        p.encode_event(2, 200 * tick, 2000, 60, kind=0),  # counts
        p.encode_event(3, 499 * tick, 4000, 0, kind=2),  # a turn-over 499-503 s
        p.encode_event(4, 497 * tick, 1500, 70, kind=0),  # ends 498.5 s: within the 1 s pad
        p.encode_event(5, 505 * tick, 1000, 70, kind=0),  # starts 2 s after: counts
        p.encode_event(6, 600 * tick, 12000, 90, kind=1),  # long: an LM, never a CLM
        p.encode_event(7, 996 * tick, 2000, 40, kind=0),  # ends 2 s before the bout ends
        p.encode_event(8, 1000 * tick, 0, 0, kind=KIND_OUT_OF_BED),
        p.encode_event(9, 1100 * tick, 2000, 40, kind=0),  # out of bed
        p.encode_summary(10, 0, lm_count=1, plm_count=0, mean_activity_mg=3, max_activity_mg=9),
        p.encode_status(0, 0, battery_pct=90, state=0, flash_fill_permille=0),  # ignored
    ]
    events = decode_band_events(frames, start_tick=0, duration_s=1200.0)
    assert events.in_bed_s == 900.0
    assert len(events.minutes) == 1
    inside, turn = lying_movements(events)
    assert events.onset_s[inside & ~turn].tolist() == [200.0, 505.0, 600.0]
    result = score_band_events(events)
    assert result.counts["lm"] == 3 and result.counts["clm"] == 2
    assert result.posture is not None
    assert result.posture["excluded_posture_changes"] == 1
    assert result.posture["excluded_out_of_bed"] == 3
    assert result.in_bed_s == 900.0
    with pytest.raises(FrameError):
        decode_band_events([b"\x14\x00\x00"], start_tick=0, duration_s=10.0)


def test_merged_band_events_keep_the_largest_peak_of_their_parts() -> None:
    tick = p.TICK_HZ
    frames = [
        p.encode_event(0, 100 * tick, 0, 0, kind=KIND_IN_BED),
        p.encode_event(1, 200 * tick, 1000, 50, kind=0),  # 200-201 s
        p.encode_event(2, 201 * tick + tick // 5, 1000, 80, kind=0),  # 0.2 s later: merged
        p.encode_event(3, 300 * tick, 1000, 30, kind=0),
        p.encode_event(4, 1000 * tick, 0, 0, kind=KIND_OUT_OF_BED),
    ]
    events = decode_band_events(frames, start_tick=0, duration_s=1200.0)
    result = score_band_events(events)
    assert [m.onset_s for m in result.movements] == [200.0, 300.0]
    assert [m.peak_mg for m in result.movements] == [80.0, 30.0]


def test_start_tick_from_the_first_summary() -> None:
    night = _night("easy", 2)
    frames, _ = run_event_mode(night.counts, night.fs_hz, night.lsb_g, start_tick=123_456)
    given = decode_band_events(frames, start_tick=123_456, duration_s=night.duration_s)
    inferred = decode_band_events(frames, start_tick=None, duration_s=night.duration_s)
    assert np.array_equal(given.onset_s, inferred.onset_s)
    assert given.in_bed_s == inferred.in_bed_s
    with pytest.raises(ConfigError, match="start_tick"):
        only_events = [f for f in frames if isinstance(p.decode_frame(f), p.EventFrame)]
        decode_band_events(only_events, start_tick=None, duration_s=60.0)
