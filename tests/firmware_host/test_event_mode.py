"""Event mode (firmware_host.event_mode): the band's EVENT/SUMMARY frames agree with the host detector,
round-trip through the host's decoder (rls_monitor.scoring.band_events) and score like the host.
"""

from __future__ import annotations

import pytest

from firmware_host import protocol as p
from firmware_host.event_mode import raw_bytes_per_hour, run_event_mode
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.detection import f1_score, match_events
from rls_monitor.detection.movements import BAND_PIPELINE
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.scoring.band_events import decode_band_events, lying_movements, score_band_events
from tests.firmware_host.cached_nights import cached_night as _night

# The band's pipeline is the host detector as BAND_PIPELINE sets it (no artefact rule, onset at 3
# times the floor); the host's default applies the rule when the raw samples are synced.


def _agreement(
    difficulty: str, seed: int, duration_s: float = 1800.0
) -> tuple[float, float | None, float | None, float]:
    night = (
        _night(difficulty, seed)
        if duration_s == 1800.0
        else simulate_night(night_config(difficulty, duration_s=duration_s), seed=seed)
    )
    frames, band = run_event_mode(night.counts, night.fs_hz, night.lsb_g)
    events = decode_band_events(frames, start_tick=0, duration_s=night.duration_s)
    inside, turn = lying_movements(events)
    keep = inside & ~turn
    host = score(Recording(night.accel_g, night.fs_hz), detector=BAND_PIPELINE)
    host_on = [m.onset_s for m in host.movements]
    f1 = f1_score(*match_events(host_on, events.onset_s[keep], 0.5))
    ours = score_band_events(events)
    ratio = raw_bytes_per_hour(night.fs_hz) / (band.bytes_sent / (night.duration_s / 3600.0))
    return f1, host.plm_per_h, ours.plm_per_h, ratio


@pytest.mark.parametrize(
    ("difficulty", "seed"),
    [
        ("easy", 2),
        ("ordinary", 1),
        ("ordinary", 2),
        ("hard", 0),
        ("hard", 1),
        ("hard", 2),
    ],
)
def test_band_events_agree_with_host_detector(difficulty: str, seed: int) -> None:
    f1, host_plm, band_plm, ratio = _agreement(difficulty, seed)
    assert f1 >= 0.95
    assert host_plm is not None and band_plm is not None
    if host_plm > 0:
        assert abs(band_plm - host_plm) <= 0.05 * host_plm
    else:
        assert band_plm == 0
    assert ratio >= 50


@pytest.mark.slow
@pytest.mark.parametrize("difficulty", ["easy", "ordinary", "hard"])
def test_whole_nights_agree_with_host_detector(difficulty: str) -> None:
    """Whole 8 h nights over the difficulty range (a PLM index needs long series to compare)."""
    f1, host_plm, band_plm, ratio = _agreement(difficulty, 0, 8 * 3600.0)
    assert host_plm is not None and host_plm > 5 and band_plm is not None
    assert f1 >= 0.95, f1
    assert band_plm == pytest.approx(host_plm, rel=0.05)
    assert ratio >= 50


def test_a_night_without_leg_movements_gives_none_on_the_band() -> None:
    _, host_plm, band_plm, _ = _agreement("none", 0)
    assert host_plm == 0 and band_plm == 0


def test_frames_round_trip_and_result_is_marked() -> None:
    night = _night("easy", 2)
    frames, _ = run_event_mode(night.counts, night.fs_hz, night.lsb_g, start_tick=2**32 - 5000)
    decoded = [p.decode_frame(f) for f in frames]
    assert {type(f).__name__ for f in decoded} == {"EventFrame", "SummaryFrame"}
    assert [f.seq for f in decoded] == list(range(len(decoded)))
    ev = decode_band_events(frames, start_tick=2**32 - 5000, duration_s=night.duration_s)
    assert ev.in_bed_s > 0.5 * night.duration_s  # tick wrap handled
    res = score_band_events(ev)
    assert res.source["kind"] == "band-events" and res.source["scored_on"] == "band"
    assert "Scored on the band" in res.limitations[0]
    assert res.to_dict()["source"]["scored_on"] == "band"


@pytest.mark.parametrize("fs_hz", [25.0, 100.0])
def test_other_rates_agree_with_host(fs_hz: float) -> None:
    night = simulate_night(night_config("ordinary", duration_s=1800.0, fs_hz=fs_hz), seed=3)
    frames, band = run_event_mode(night.counts, night.fs_hz, night.lsb_g)
    events = decode_band_events(frames, start_tick=0, duration_s=night.duration_s)
    inside, turn = lying_movements(events)
    host = score(Recording(night.accel_g, night.fs_hz), detector=BAND_PIPELINE)
    f1 = f1_score(
        *match_events([m.onset_s for m in host.movements], events.onset_s[inside & ~turn], 0.5)
    )
    assert len(host.movements) >= 5
    assert f1 >= 0.95
    assert band.pipeline.state_bytes() <= 4096


def test_simulated_band_in_events_mode_scores_like_the_host() -> None:
    from firmware_host.band import SimulatedBand

    night = _night("ordinary", 2)
    band = SimulatedBand(night)
    band.connect(att_mtu=247)
    reply = p.decode_frame(band.handle_command(p.cmd_set_mode(1, p.Mode.EVENTS))[0])
    assert isinstance(reply, p.ResponseFrame) and reply.ok
    band.handle_command(p.cmd_start_stream(2, 0))
    frames = []
    for _ in range(400):
        frames += band.advance(5.0)
    decoded = [p.decode_frame(f) for f in frames]
    assert not any(isinstance(f, p.DataFrame) for f in decoded)
    ours = score_band_events(
        decode_band_events(decoded, start_tick=None, duration_s=night.duration_s)
    )
    host = score(Recording(night.accel_g, night.fs_hz), detector=BAND_PIPELINE)
    assert ours.counts == host.counts
    assert ours.in_bed_s == pytest.approx(host.in_bed_s, abs=5.0)
    assert ours.source["scored_on"] == "band"
