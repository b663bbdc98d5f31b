"""The band's integer pipeline (firmware_host.processing.pipeline): equivalence of the sample and block
paths, input checks, summaries, bed events and the shank axis.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_host.processing import (
    BandEvent,
    MinuteSummary,
    Pipeline,
    PipelineConfig,
)
from firmware_host.protocol import KIND_IN_BED, KIND_OUT_OF_BED
from tests.firmware_host.cached_nights import cached_night as _night


def _run_blocks(counts: np.ndarray, cuts: list[int], fs: float, lsb: float) -> list[object]:
    pipe = Pipeline(fs, lsb)
    out: list[object] = []
    start = 0
    for c in [*sorted(set(cuts)), counts.shape[0]]:
        out += pipe.process_block(counts[start:c])
        start = c
    return out + pipe.flush()


def test_block_equals_sample_by_sample_on_a_night_with_movements() -> None:
    night = _night("hard", 1, 600.0)
    block = _run_blocks(night.counts, [], night.fs_hz, night.lsb_g)
    pipe = Pipeline(night.fs_hz, night.lsb_g)
    single: list[object] = []
    for x, y, z in night.counts.tolist():
        single += pipe.process_sample(x, y, z)
    single += pipe.flush()
    assert single == block
    assert sum(isinstance(e, BandEvent) and e.kind <= 1 for e in block) >= 3


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 30000), max_size=12), st.integers(97, 1700))
def test_any_block_sizes_give_identical_events(cuts: list[int], step: int) -> None:
    night = _night("hard", 1, 600.0)
    counts = night.counts
    whole = _run_blocks(counts, [], night.fs_hz, night.lsb_g)
    assert _run_blocks(counts, cuts, night.fs_hz, night.lsb_g) == whole
    regular = list(range(step, counts.shape[0], step))
    assert _run_blocks(counts, regular, night.fs_hz, night.lsb_g) == whole


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 40))
def test_mixed_sample_and_block_feeding(seed: int, n_parts: int) -> None:
    night = _night("ordinary", 2, 300.0)
    counts = night.counts[:6000]
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, counts.shape[0], n_parts))
    pipe = Pipeline(night.fs_hz, night.lsb_g)
    out: list[object] = []
    start = 0
    for i, c in enumerate([*cuts.tolist(), counts.shape[0]]):
        part = counts[start:c]
        if i % 2:
            for x, y, z in part[:50].tolist():
                out += pipe.process_sample(x, y, z)
            out += pipe.process_block(part[50:])
        else:
            out += pipe.process_block(part)
        start = c
    out += pipe.flush()
    assert out == _run_blocks(counts, [], night.fs_hz, night.lsb_g)


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="fs_hz"):
        Pipeline(5.0, 2.0**-12)
    with pytest.raises(ValueError, match="counts"):
        Pipeline(50.0, 2.0**-12).process_block(np.zeros((3, 2), np.int16))
    with pytest.raises(ValueError, match="shank_axis"):
        PipelineConfig(shank_axis_q14=(0, 0, 0))


def test_minute_summaries_and_bed_events() -> None:
    night = _night("ordinary", 2, 600.0)
    pipe = Pipeline(night.fs_hz, night.lsb_g)
    out = pipe.process_block(night.counts) + pipe.flush()
    minutes = [o for o in out if isinstance(o, MinuteSummary)]
    assert [m.minute for m in minutes] == list(range(len(minutes)))
    assert len(minutes) == 9  # 10 min less the pipeline's 3 samples of lag
    assert all(0 <= m.still_pct <= 100 and m.mean_activity_mg <= m.max_activity_mg for m in minutes)
    beds = [o.kind for o in out if isinstance(o, BandEvent) and o.kind >= KIND_IN_BED]
    assert beds[:2] == [KIND_IN_BED, KIND_OUT_OF_BED]
    axis = np.array(pipe.shank_axis)
    assert float(axis @ night.truth.shank_axis) > np.cos(np.radians(15))  # learned from walking


def test_given_axis_is_used() -> None:
    night = _night("ordinary", 2, 600.0)
    x, y, z = (int(v) for v in np.round(night.truth.shank_axis * 16384))
    q14 = (x, y, z)
    pipe = Pipeline(night.fs_hz, night.lsb_g, PipelineConfig(shank_axis_q14=q14))
    assert pipe.shank_axis is not None
    assert np.allclose(pipe.shank_axis, night.truth.shank_axis, atol=1e-3)
