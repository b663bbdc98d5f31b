"""SequenceTracker: in-order exactly-once delivery and resend scheduling."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.link.sequencing import SequenceTracker, TrackerConfig


def _deliver_all(tracker: SequenceTracker, arrivals: list[int], now_s: float = 0.0) -> list[int]:
    out: list[int] = []
    for seq in arrivals:
        out.extend(s for s, _ in tracker.offer(seq, seq, now_s=now_s))
    return out


def test_in_order_frames_pass_straight_through() -> None:
    t = SequenceTracker(next_seq=0)
    assert _deliver_all(t, list(range(10))) == list(range(10))
    assert t.counts.accepted == 10 and t.counts.duplicates == 0 and t.open_gaps == []


def test_duplicates_are_dropped_and_counted() -> None:
    t = SequenceTracker(next_seq=0)
    assert _deliver_all(t, [0, 1, 1, 0, 2, 2]) == [0, 1, 2]
    assert t.counts.duplicates == 3


def test_a_swapped_pair_is_reordered_without_a_resend() -> None:
    t = SequenceTracker(next_seq=0, config=TrackerConfig(reorder_wait_s=0.2))
    assert _deliver_all(t, [0, 2], now_s=0.0) == [0]
    assert t.open_gaps == [(1, 2)]
    assert t.due_resends(now_s=0.1) == []  # still within the reordering wait
    assert _deliver_all(t, [1], now_s=0.15) == [1, 2]
    assert t.counts.gaps_filled == 1 and t.counts.resend_requests == 0


def test_a_gap_is_requested_then_requested_again_then_given_up() -> None:
    cfg = TrackerConfig(reorder_wait_s=0.1, resend_timeout_s=1.0, max_resend_attempts=2)
    t = SequenceTracker(next_seq=5, config=cfg)
    assert _deliver_all(t, [5, 6, 9, 10]) == [5, 6]
    assert t.due_resends(now_s=0.2) == [(7, 9)]
    assert t.due_resends(now_s=0.5) == []  # not yet timed out
    assert t.due_resends(now_s=1.3) == [(7, 9)]
    assert t.give_up_due(now_s=1.5) == []
    released = t.give_up_due(now_s=2.4)
    assert [s for s, _ in released] == [9, 10]
    assert t.next_seq == 11
    assert t.counts.gaps_given_up == 1 and t.counts.frames_lost == 2


def test_a_partly_filled_gap_shrinks_to_what_is_missing() -> None:
    t = SequenceTracker(next_seq=0, config=TrackerConfig(reorder_wait_s=0.0))
    _deliver_all(t, [0, 5])
    _deliver_all(t, [3])
    assert t.open_gaps == [(1, 5)]
    _deliver_all(t, [1])
    assert t.open_gaps == [(2, 5)]  # 2 and 4 missing (3 is held)
    _deliver_all(t, [4])
    assert t.open_gaps == [(2, 3)]
    assert t.due_resends(now_s=1.0) == [(2, 3)]


def test_an_absurd_jump_is_dropped_not_trusted() -> None:
    t = SequenceTracker(next_seq=0, config=TrackerConfig(max_jump=1000))
    assert _deliver_all(t, [0, 1, 2_000_000_000, 2]) == [0, 1, 2]
    assert t.counts.absurd_jumps == 1 and t.open_gaps == []


def test_restart_after_a_reconnection_keeps_held_frames_and_asks_again_at_once() -> None:
    t = SequenceTracker(next_seq=0, config=TrackerConfig(reorder_wait_s=5.0))
    _deliver_all(t, [0, 1, 4], now_s=100.0)
    assert t.due_resends(now_s=100.1) == []
    t.restart()
    assert t.held == 1 and t.due_resends(now_s=100.2) == [(2, 4)]
    assert _deliver_all(t, [2, 3, 4]) == [2, 3, 4]
    assert t.counts.duplicates == 1


def test_restart_at_a_sequence_forgets_everything() -> None:
    t = SequenceTracker(next_seq=0)
    _deliver_all(t, [0, 1, 4])
    t.restart(next_seq=10)
    assert t.held == 0 and t.open_gaps == [] and t.next_seq == 10
    assert _deliver_all(t, [10, 11]) == [10, 11]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 60),
    data=st.data(),
)
def test_any_arrival_order_with_duplicates_delivers_each_frame_once_in_order(
    n: int, data: st.DataObject
) -> None:
    arrivals = data.draw(st.permutations(list(range(n))))
    dups = data.draw(st.lists(st.integers(0, n - 1), max_size=n))
    for d in dups:
        pos = data.draw(st.integers(0, len(arrivals)))
        arrivals = [*arrivals[:pos], d, *arrivals[pos:]]
    t = SequenceTracker(next_seq=0)
    assert _deliver_all(t, arrivals) == list(range(n))
    assert t.counts.duplicates == len(dups)
    assert t.held == 0 and t.open_gaps == []
