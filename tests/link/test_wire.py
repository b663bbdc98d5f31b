"""Wire: the band's frames decoded into the host's messages, and the host's commands encoded."""

from __future__ import annotations

import pytest

from firmware_host import protocol as p
from firmware_host.protocol import KIND_IN_BED
from rls_monitor.errors import FrameError
from rls_monitor.link.wire import EndOfData, EventItem, StatusReport, Wire


def _event_frames() -> list[bytes]:
    tick = p.TICK_HZ
    return [
        p.encode_event(0, 100 * tick, 0, 0, kind=KIND_IN_BED),
        p.encode_summary(1, 0, lm_count=1, plm_count=0, mean_activity_mg=3, max_activity_mg=9),
        p.encode_event(2, 102 * tick, 2000, 50, kind=0),
        p.encode_summary(
            3, 60 * tick, lm_count=0, plm_count=0, mean_activity_mg=1, max_activity_mg=2
        ),
    ]


def test_event_and_summary_frames_become_event_items_in_order() -> None:
    wire = Wire()
    items = [wire.decode(frame) for frame in _event_frames()]
    assert all(isinstance(item, EventItem) for item in items)
    assert [item.seq for item in items if isinstance(item, EventItem)] == [0, 1, 2, 3]


def test_summaries_are_picked_out_by_the_wire_alone() -> None:
    wire = Wire()
    frames = [
        item.frame for item in map(wire.decode, _event_frames()) if isinstance(item, EventItem)
    ]
    summaries = wire.summaries(frames)
    assert [f.seq for f in summaries] == [1, 3]
    assert all(isinstance(f, p.SummaryFrame) for f in summaries)
    assert wire.summaries([f for f in frames if f not in summaries]) == []


def test_status_and_end_frames() -> None:
    wire = Wire()
    status = wire.decode(p.encode_status(0, 0, battery_pct=81, state=0, flash_fill_permille=0))
    assert status == StatusReport(81.0)
    assert isinstance(wire.decode(p.encode_end(4, 0, cmd_id=7)), EndOfData)


@pytest.mark.parametrize("cut", [1, 3, 7])
def test_a_damaged_frame_is_a_frame_error_that_names_its_kind(cut: int) -> None:
    frame = bytearray(_event_frames()[0])
    frame[-cut] ^= 0x5A
    with pytest.raises(FrameError) as info:
        Wire().decode(bytes(frame))
    assert info.value.kind
