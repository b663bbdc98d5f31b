"""The detector's NumPy band-pass: its design against SciPy's, its block filter against loops."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from rls_monitor.detection.iir import BlockFilter, butter_band_pass
from rls_monitor.detection.reference_movements import reference_state_space_filter
from rls_monitor.errors import ConfigError


@st.composite
def band_designs(draw: st.DrawFn) -> tuple[int, tuple[float, float], float]:
    """An order 1-4, a rate of 10-200 Hz and a band inside it.

    Edges at least 0.5 % of Nyquist from 0 and 2 % from Nyquist, the upper at least twice the
    lower: movement bands (0.1-10, 0.3-8, 0.3-20 Hz), not narrow resonators.
    """
    order = draw(st.integers(1, 4))
    fs_hz = draw(st.sampled_from([10.0, 20.0, 25.0, 50.0, 100.0, 200.0]))
    nyq = fs_hz / 2.0
    lo = draw(st.floats(0.005 * nyq, 0.45 * nyq))
    hi = draw(st.floats(2.0 * lo, 0.98 * nyq))
    return order, (lo, hi), fs_hz


@settings(max_examples=60, deadline=None)
@given(band_designs())
def test_design_is_scipys_butterworth(design: tuple[int, tuple[float, float], float]) -> None:
    """The frequency response equals ``scipy.signal.butter``'s over the whole band 0-Nyquist.

    To 1e-6 of the peak gain (a design error shows at 1e-2 and more): at order 4 with a low
    edge at 0.5 % of Nyquist the poles lie within 1e-3 of the unit circle, where the rounding
    of either design (or of evaluating it) shows at up to about 1e-7.
    """
    order, band_hz, fs_hz = design
    ours = butter_band_pass(order, band_hz, fs_hz)
    sos = signal.butter(order, band_hz, btype="band", fs=fs_hz, output="sos")
    f_hz = np.linspace(0.0, fs_hz / 2.0, 257)
    _, h_ref = signal.sosfreqz(sos, worN=f_hz, fs=fs_hz)
    np.testing.assert_allclose(ours.frequency_response(f_hz, fs_hz), h_ref, rtol=0, atol=1e-6)
    assert ours.n_states == 2 * order


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_detector_band_edges_are_minus_3_db(order: int) -> None:
    """The detector's band (0.3-8 Hz at its 20 Hz working rate): -3 dB at both edges, 0 dB between."""
    ours = butter_band_pass(order, (0.3, 8.0), 20.0)
    gain = np.abs(
        ours.frequency_response(np.array([0.0, 0.3, np.sqrt(0.3 * 8.0), 8.0, 10.0]), 20.0)
    )
    np.testing.assert_allclose(gain[[1, 3]], 1 / np.sqrt(2), rtol=1e-9)
    assert gain[0] < 1e-12 and gain[4] < 1e-12  # zeros at DC and at Nyquist
    assert 0.99 < gain[2] <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    band_designs(),
    st.integers(0, 300),
    st.integers(1, 40),
    st.data(),
)
def test_block_filter_matches_sample_loop(
    design: tuple[int, tuple[float, float], float], n: int, block_n: int, data: st.DataObject
) -> None:
    """Block-recursive filtering, in any pieces, equals the one-sample-at-a-time loop."""
    order, band_hz, fs_hz = design
    system = butter_band_pass(order, band_hz, fs_hz)
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (2, n)) + rng.normal(0.0, 2.0, (2, 1))
    start = rng.normal(0.0, 1.0, (2, system.n_states))
    filt = BlockFilter(system, block_n)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    pieces, state = [], start
    for a, b in zip([0, *cuts], [*cuts, n], strict=True):
        y, state = filt.run(x[:, a:b], state)
        pieces.append(y)
    got = np.concatenate(pieces, axis=1) if pieces else np.zeros((2, 0))
    for row in range(2):
        ref, ref_state = reference_state_space_filter(system, x[row].tolist(), start[row].tolist())
        # rounding grows with the largest value the recursion went through (a start state far
        # from the signal's rings up to a few hundred), not with each sample's own value
        scale = (
            1.0
            + float(np.abs(x[row]).max(initial=0.0))
            + float(np.abs(start[row]).max())
            + float(np.abs(ref).max(initial=0.0))
        )
        np.testing.assert_allclose(got[row], ref, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(state[row], ref_state, rtol=1e-9, atol=1e-9 * scale)


def test_block_filter_equals_scipy_sosfilt_on_a_long_signal() -> None:
    """An hour at 20 Hz from the steady state of its first sample: SciPy's float64 ``sosfilt``."""
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 0.02, (3, 72_000))
    x[2] += 1.0  # gravity on one axis: the steady state must remove it from the first sample
    order, band_hz, fs_hz = 2, (0.3, 8.0), 20.0
    filt = BlockFilter(butter_band_pass(order, band_hz, fs_hz))
    got, _ = filt.run(x, filt.steady_state(x[:, 0]))
    sos = signal.butter(order, band_hz, btype="band", fs=fs_hz, output="sos")
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[None, :, :1]
    ref, _ = signal.sosfilt(sos, x, axis=1, zi=zi)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert abs(got[2, 0]) < 1e-12  # no start-up transient from the 1 g offset


def test_steady_state_holds_a_constant_signal() -> None:
    """A constant input from its steady state: output 0 (no DC through a band-pass), state kept."""
    filt = BlockFilter(butter_band_pass(3, (0.5, 5.0), 25.0), block_n=16)
    x = np.full((1, 1000), 0.987)
    start = filt.steady_state(x[:, 0])
    y, end = filt.run(x, start)
    assert np.abs(y).max() < 1e-12
    np.testing.assert_allclose(end, start, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("order", "band_hz", "fs_hz", "match"),
    [
        (0, (0.3, 8.0), 20.0, "order"),
        (2, (0.0, 8.0), 20.0, "band"),
        (2, (8.0, 0.3), 20.0, "band"),
        (2, (0.3, 10.0), 20.0, "band"),
        (2, (0.3, float("nan")), 20.0, "band"),
    ],
)
def test_bad_designs_are_config_errors(
    order: int, band_hz: tuple[float, float], fs_hz: float, match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        butter_band_pass(order, band_hz, fs_hz)


def test_block_length_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="block_n"):
        BlockFilter(butter_band_pass(2, (0.3, 8.0), 20.0), block_n=0)


def test_scoring_a_night_does_not_import_scipy() -> None:
    """The host scores without SciPy: ``scipy.signal`` alone is ~50 MB of resident memory,
    ``scipy.ndimage`` (with ``scipy.special``) ~26 MB, a third and a fifth of the host's peak."""
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from rls_monitor.recording import Recording
        from rls_monitor.scoring import score
        rng = np.random.default_rng(0)
        a = rng.normal(0.0, 0.005, (50 * 600, 3)).astype(np.float32)
        a[:, 0] += 1.0
        score(Recording(accel_g=a, fs_hz=50.0))
        import rls_monitor.cli, rls_monitor.nights, rls_monitor.session  # noqa: F401
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout
