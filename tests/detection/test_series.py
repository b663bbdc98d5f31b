"""Series rules: golden event lists with hand-computed answers, and vectorised == reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.detection.series import (
    RULE_SETS,
    RuleSet,
    SeriesResult,
    get_rules,
    periodic_series,
    prepare_movements,
    score_series,
)
from rls_monitor.errors import ConfigError
from tests.oracles.series import reference_score_series


def _lms(onsets: list[float], duration_s: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    on = np.asarray(onsets, dtype=float)
    return on, on + duration_s


# --- golden cases -------------------------------------------------------------------------------


def test_five_clms_at_20_s_make_one_series_of_five() -> None:
    r = score_series(*_lms([0, 20, 40, 60, 80]))
    assert r.rules == "wasm2016"
    assert r.clm.all() and r.plm.all()
    assert r.series.tolist() == [0, 0, 0, 0, 0]
    assert r.n_series == 1


def test_three_clms_are_not_a_series() -> None:
    r = score_series(*_lms([0, 20, 40]))
    assert not r.plm.any() and r.n_series == 0
    assert r.series.tolist() == [-1, -1, -1]


def test_short_imi_splits_and_the_later_clm_starts_the_next_series() -> None:
    # 0 20 40 60 | 68 88 108 128: IMI 8 s between 60 and 68.
    r = score_series(*_lms([0, 20, 40, 60, 68, 88, 108, 128], duration_s=1.0))
    assert r.plm.all()
    assert r.series.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    # With an 8 s IMI in the middle of 5, neither side reaches 4.
    r = score_series(*_lms([0, 20, 40, 48, 68, 88], duration_s=1.0))
    assert not r.plm.any() and r.n_series == 0


def test_imi_bounds_are_inclusive() -> None:
    assert score_series(*_lms([0, 10, 20, 30], duration_s=1)).plm.all()
    assert score_series(*_lms([0, 90, 180, 270], duration_s=1)).plm.all()
    assert not score_series(*_lms([0, 9.9, 19.8, 29.7], duration_s=1)).plm.any()
    assert not score_series(*_lms([0, 90.1, 180.2, 270.3], duration_s=1)).plm.any()


def test_long_lm_ends_a_series_and_is_never_plm() -> None:
    on = np.array([0, 20, 40, 60, 80, 100, 120, 140, 160.0])
    off = on + 2.0
    off[4] = on[4] + 11.0  # an 11 s monolateral LM: not a CLM
    r = score_series(on, off)
    assert r.clm.tolist() == [True] * 4 + [False] + [True] * 4
    assert r.plm.tolist() == [True] * 4 + [False] + [True] * 4
    assert r.series.tolist() == [0, 0, 0, 0, -1, 1, 1, 1, 1]


def test_ten_seconds_is_still_a_clm() -> None:
    on = np.array([0.1, 20.6, 40.7, 60.3])
    r = score_series(on, on + 10.0)
    assert r.clm.all() and r.plm.all()


def test_preparation_merges_close_movements_and_drops_short_ones() -> None:
    # 0-1 and 1.4-2 merge (gap 0.4 s); 5-5.3 dropped (0.3 s); 8-8.3 and 8.5-8.9 merge (gap 0.2)
    # into 8-8.9, kept; 12-13 and 13.5-14 stay apart (gap exactly 0.5 s).
    on = [0, 1.4, 5, 8, 8.5, 12, 13.5]
    off = [1, 2, 5.3, 8.3, 8.9, 13, 14]
    p = prepare_movements(on, off)
    assert p.onset_s.tolist() == [0, 8, 12, 13.5]
    assert p.offset_s.tolist() == [2, 8.9, 13, 14]
    assert p.source.tolist() == [0, 0, -1, 1, 1, 2, 3]
    assert p.n_merged == 2 and p.n_dropped == 1


def test_preparation_is_per_leg() -> None:
    # Left 0-1 and right 1.2-2: different legs are not merged by the preparation.
    p = prepare_movements([0, 1.2], [1, 2], ["left", "right"])
    assert p.onset_s.tolist() == [0, 1.2]


def test_wasm_bilateral_merge_overlap_and_short_gap() -> None:
    # left 0-2, right 2.3-3 (gap 0.3 s): one bilateral LM 0-3; left 20-21, right 21.5-22 (gap 0.5):
    # two LMs.
    r = score_series([0, 2.3, 20, 21.5], [2, 3, 21, 22], ["left", "right", "left", "right"])
    assert r.onset_s.tolist() == [0, 20, 21.5]
    assert r.offset_s.tolist() == [3, 21, 22]
    assert r.side_labels() == ["bilateral", "left", "right"]
    assert r.n_parts.tolist() == [2, 1, 1]
    assert r.part_of.tolist() == [0, 0, 1, 2]


def test_wasm_bilateral_limits() -> None:
    # 12 s bilateral (two parts of 8 s): a CLM (<= 15 s), though longer than 10 s.
    r = score_series([0, 4], [8, 12], ["left", "right"])
    assert r.n_parts.tolist() == [2] and r.clm.tolist() == [True]
    # 16 s bilateral: not a CLM.
    r = score_series([0, 8], [9, 16], ["left", "right"])
    assert r.clm.tolist() == [False]
    # Five alternating parts within 6 s: more than 4 parts, not a CLM.
    on = [0, 1, 2, 3, 4]
    off = [1.5, 2.5, 3.5, 4.5, 5.5]
    r = score_series(on, off, ["left", "right", "left", "right", "left"])
    assert r.n_parts.tolist() == [5] and r.clm.tolist() == [False]
    r = score_series(on[:4], off[:4], ["left", "right", "left", "right"])
    assert r.n_parts.tolist() == [4] and r.clm.tolist() == [True]


def test_aasm_bilateral_by_onsets() -> None:
    # left 0-1, right 4-5 (onsets 4 s apart): one LM under AASM, two under WASM (gap 3 s).
    on, off, side = [0, 4], [1, 5], ["left", "right"]
    assert score_series(on, off, side, rules="aasm").n_parts.tolist() == [2]
    assert score_series(on, off, side, rules="wasm2016").n_parts.tolist() == [1, 1]
    # Onsets exactly 5 s apart: separate under AASM.
    assert score_series([0, 5], [1, 6], side, rules="aasm").n_parts.tolist() == [1, 1]
    # Greedy pairs: L0 R3 L6 -> (L0, R3), L6.
    r = score_series([0, 3, 6], [1, 4, 7], ["left", "right", "left"], rules="aasm")
    assert r.n_parts.tolist() == [2, 1]


def test_aasm_vs_wasm_imi_between_5_and_10() -> None:
    on, off = _lms([0, 7, 14, 21, 28], duration_s=1.0)
    assert score_series(on, off, rules="aasm").plm.all()
    assert not score_series(on, off, rules="wasm2016").plm.any()
    # IMI below 5 s ends an AASM series.
    on, off = _lms([0, 6, 12, 18, 22, 28, 34, 40], duration_s=1.0)
    r = score_series(on, off, rules="aasm")
    assert r.series.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_unknown_rule_set_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rules must be one of"):
        score_series([0], [1], rules="icsd")
    assert get_rules(RULE_SETS["aasm"]).name == "aasm"
    with pytest.raises(ConfigError):
        RuleSet(name="x", title="x", bilateral="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("onset", "offset", "side", "match"),
    [
        ([0, 1], [1], None, "same length"),
        ([0, 5], [1, 4], None, "before onset_s"),
        ([0, float("nan")], [1, 2], None, "finite"),
        ([0, 5], [1, 6], ["left", "middle"], "side must be one of"),
        ([0, 5], [1, 6], ["left", "unknown"], "mixes"),
    ],
)
def test_bad_arrays(
    onset: list[float], offset: list[float], side: list[str] | None, match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        score_series(onset, offset, side)


def test_periodic_series_respects_candidate_mask() -> None:
    on = np.arange(8, dtype=np.float64) * 20.0
    cand = np.ones(8, bool)
    cand[3] = False
    plm, series = periodic_series(on, cand)
    assert plm.tolist() == [False] * 4 + [True] * 4
    assert series.tolist() == [-1] * 4 + [0] * 4


def test_empty_input() -> None:
    r = score_series([], [])
    assert r.onset_s.size == 0 and r.n_series == 0


# --- vectorised == reference, invariances -------------------------------------------------------


Events = tuple[np.ndarray, np.ndarray, list[str] | None]
"""Onsets, offsets (s) and sides (or None) of an event list."""


@st.composite
def event_lists(draw: st.DrawFn) -> Events:
    n = draw(st.integers(0, 40))
    two_legs = draw(st.booleans())
    # Times on a 10 ms grid; gaps chosen to hit the interesting ranges (overlaps, < 0.5 s, 5-10 s,
    # 10-90 s, > 90 s), durations from very short to long.
    gaps = draw(
        st.lists(
            st.one_of(
                st.integers(0, 60),
                st.integers(300, 1200),
                st.integers(800, 9500),
                st.integers(9000, 12000),
            ),
            min_size=n,
            max_size=n,
        )
    )
    durs = draw(
        st.lists(
            st.one_of(st.integers(10, 120), st.integers(100, 1100), st.integers(900, 1700)),
            min_size=n,
            max_size=n,
        )
    )
    on = np.cumsum(np.asarray(gaps, dtype=np.int64)) / 100.0
    off = on + np.asarray(durs, dtype=np.int64) / 100.0
    side = None
    if two_legs:
        side = draw(st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n))
    return on, off, side


def _as_tuple(r: SeriesResult) -> list[tuple[Any, ...]]:
    return list(
        zip(
            np.round(r.onset_s, 6).tolist(),
            np.round(r.offset_s, 6).tolist(),
            r.side.tolist(),
            r.n_parts.tolist(),
            r.clm.tolist(),
            r.plm.tolist(),
            r.series.tolist(),
            strict=True,
        )
    )


@pytest.mark.parametrize("rules", ["wasm2016", "aasm"])
@settings(max_examples=150, deadline=None)
@given(events=event_lists())
def test_vectorised_equals_reference(rules: str, events: Events) -> None:
    on, off, side = events
    got = _as_tuple(score_series(on, off, side, rules=rules))
    ref = [
        (
            round(lm.onset_s, 6),
            round(lm.offset_s, 6),
            lm.side,
            lm.n_parts,
            lm.clm,
            lm.plm,
            lm.series,
        )
        for lm in reference_score_series(on, off, side, rules=rules)
    ]
    assert got == ref


@pytest.mark.parametrize("rules", ["wasm2016", "aasm"])
@settings(max_examples=80, deadline=None)
@given(events=event_lists(), shift_cs=st.integers(-100_000, 3_000_000), seed=st.integers(0, 2**16))
def test_shift_and_row_order_change_nothing(
    rules: str, events: Events, shift_cs: int, seed: int
) -> None:
    on, off, side = events
    base = score_series(on, off, side, rules=rules)
    shift = shift_cs / 100.0
    moved = score_series(on + shift, off + shift, side, rules=rules)
    assert np.allclose(moved.onset_s - shift, base.onset_s, atol=1e-6)
    assert (moved.clm == base.clm).all() and (moved.plm == base.plm).all()
    assert (moved.series == base.series).all() and (moved.side == base.side).all()
    perm = np.random.default_rng(seed).permutation(on.size)
    side_p = None if side is None else [side[i] for i in perm]
    shuffled = score_series(on[perm], off[perm], side_p, rules=rules)
    assert _as_tuple(shuffled) == _as_tuple(base)
    # Every input row maps to the same prepared movement whatever the order.
    assert (shuffled.prepared.source[np.argsort(perm)] == base.prepared.source).all()
