"""Bedroom artefacts of the night model (firmware_host/signal_model/artefacts.py): each kind where
and as it is documented, its truth, and no change to nights without them."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_host.signal_model import night_config, simulate_night
from firmware_host.signal_model.artefacts import (
    ARTEFACT_KINDS,
    ARTEFACT_REASONS,
    PlannedArtefact,
    plan_artefacts,
    render_artefact,
)
from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.night import simulate_bilateral_night


def test_every_kind_has_a_reason() -> None:
    assert set(ARTEFACT_REASONS) == set(ARTEFACT_KINDS)
    assert set(ARTEFACT_REASONS.values()) == {"vibration", "impulse", "periodic"}


def test_a_night_without_artefacts_is_the_night_it_always_was() -> None:
    """The artefacts draw from their own generator, after everything else."""
    plain = simulate_night(night_config("ordinary", duration_s=1800.0), seed=4)
    with_art = simulate_night(night_config("ordinary", duration_s=1800.0, knock_per_h=6.0), seed=4)
    assert len(plain.truth.artefacts) == 0 and len(with_art.truth.artefacts) > 0
    np.testing.assert_array_equal(plain.truth.movements.onset_s, with_art.truth.movements.onset_s)
    # the samples differ only where an artefact was drawn
    differs = np.any(plain.counts != with_art.counts, axis=1)
    art = with_art.truth.artefacts
    inside = np.zeros(differs.size, bool)
    for a, b in zip(art.onset_s, art.offset_s, strict=True):
        inside[int(a * 50) : int(b * 50) + 1] = True
    assert differs.any() and not np.any(differs & ~inside)


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_the_bedroom_preset_has_every_kind_in_bed(fs_hz: float) -> None:
    night = simulate_night(night_config("bedroom", duration_s=4 * 3600.0, fs_hz=fs_hz), seed=2)
    art = night.truth.artefacts
    kinds = set(art.kind.tolist())
    assert {"partner", "machine", "knock"} <= kinds
    lying = night.truth.lying
    for a, b in zip(art.onset_s, art.offset_s, strict=True):
        assert np.any((lying.start_s <= a + 1e-9) & (b <= lying.end_s + 1e-9))
    assert np.all(art.offset_s > art.onset_s) and np.all(np.diff(art.onset_s) >= 0)


def test_machine_bursts_are_periodic() -> None:
    config = night_config("ordinary", machine_per_h=2.0)
    planned = plan_artefacts(np.random.default_rng(7), config, [(0.0, 4 * 3600.0)])
    sessions: dict[int, list[float]] = {}
    for x in planned:
        assert x.kind == "machine" and x.legs == "B"
        assert 2.0 <= x.offset_s - x.onset_s <= 6.0
        sessions.setdefault(x.session, []).append(x.onset_s)
    assert len(sessions) >= 4
    for onsets in sessions.values():
        gaps = np.diff(onsets)
        assert np.all((gaps >= 15.0 * 0.95) & (gaps <= 40.0 * 1.05))
        # one period per session, each burst within 5 % of it
        assert float(np.ptp(gaps)) <= 0.1 * float(np.median(gaps)) + 1e-9


def _canvas(
    kind: str, duration_s: float, fs_hz: float = 100.0, **kw: float
) -> tuple[LegCanvas, float]:
    canvas = LegCanvas(int(duration_s * fs_hz), fs_hz)
    art = PlannedArtefact(0.0, duration_s, kind, "B", **kw)  # type: ignore[arg-type]
    peak = render_artefact(canvas, np.random.default_rng(3), art, night_config("ordinary"))
    return canvas, peak


@pytest.mark.parametrize(
    ("kind", "duration_s", "low_mg", "high_mg"),
    [("partner", 10.0, 5.0, 40.0), ("pet", 2.0, 40.0, 150.0), ("knock", 0.16, 150.0, 600.0)],
)
def test_each_kind_shakes_without_turning(
    kind: str, duration_s: float, low_mg: float, high_mg: float
) -> None:
    canvas, peak = _canvas(kind, duration_s)
    assert low_mg <= peak <= high_mg
    # linear acceleration only: the leg's orientation is untouched
    assert not canvas.elev.any() and not canvas.roll.any()
    mag = np.linalg.norm(canvas.lin, axis=1) * 1000.0
    assert float(mag.max()) == pytest.approx(peak, rel=1e-4)


def test_partner_vibration_is_broadband_above_1_hz() -> None:
    canvas, _ = _canvas("partner", 20.0)
    x = canvas.lin[:, 2] - canvas.lin[:, 2].mean()
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / 100.0)
    band = spec[(f >= 1.0) & (f <= 10.0)].sum() / spec.sum()
    assert band > 0.8


def test_a_knock_is_short() -> None:
    canvas, peak = _canvas("knock", 0.16)
    mag = np.linalg.norm(canvas.lin, axis=1) * 1000.0
    above = np.count_nonzero(mag >= 0.5 * peak) / 100.0
    assert above <= 0.05


def test_a_machine_burst_is_narrow_band() -> None:
    canvas, _ = _canvas("machine", 5.0, frequency_hz=7.0)
    x = canvas.lin @ np.array([1.0, 1.0, 1.0])
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / 100.0)
    assert abs(float(f[np.argmax(spec)]) - 7.0) < 0.3
    assert spec[np.abs(f - 7.0) < 0.6].sum() / spec.sum() > 0.9


def test_the_mattress_is_felt_at_both_ankles_a_knock_at_one() -> None:
    left, right = simulate_bilateral_night(
        night_config("ordinary", duration_s=3 * 3600.0, partner_per_h=6.0, knock_per_h=6.0), seed=5
    )
    lp = left.truth.artefacts
    rp = right.truth.artefacts
    l_partner = lp.onset_s[lp.kind == "partner"]
    r_partner = rp.onset_s[rp.kind == "partner"]
    np.testing.assert_array_equal(l_partner, r_partner)
    l_knock = set(lp.onset_s[lp.kind == "knock"].tolist())
    r_knock = set(rp.onset_s[rp.kind == "knock"].tolist())
    assert l_knock and r_knock and not (l_knock & r_knock)


def test_artefact_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="partner_per_h"):
        night_config("ordinary", partner_per_h=-1.0)
    with pytest.raises(ValueError, match="machine_period_s"):
        night_config("ordinary", machine_period_s=(40.0, 15.0))
