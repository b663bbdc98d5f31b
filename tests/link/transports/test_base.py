"""The transport interface's plumbing: queue, backoff, specs, configuration."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest

from rls_monitor.errors import ConfigError, LinkLost
from rls_monitor.link.transports import (
    FrameQueue,
    LinkConfig,
    backoff_delays_s,
    parse_transport_spec,
)


async def test_queue_delivers_in_order_then_the_loss() -> None:
    q = FrameQueue(64)
    q.put(b"a", 1.0)
    q.put_many([b"b", b"c"], 2.0)
    q.put_error(LinkLost("gone"))
    got = [(await q.get()) for _ in range(3)]
    assert [f.data for f in got if f] == [b"a", b"b", b"c"]
    assert [f.arrival_s for f in got if f] == [1.0, 2.0, 2.0]
    with pytest.raises(LinkLost, match="gone"):
        await q.get()


async def test_queue_times_out_with_none_and_wakes_on_put() -> None:
    q = FrameQueue(64)
    assert await q.get(timeout_s=0.01) is None
    loop = asyncio.get_running_loop()
    loop.call_later(0.01, q.put, b"late")
    frame = await q.get(timeout_s=5.0)
    assert frame is not None and frame.data == b"late"


@pytest.mark.parametrize("timeout_s", [None, 5.0])
@pytest.mark.parametrize("spins", [0, 1])
async def test_a_cancel_arriving_with_a_frame_is_not_swallowed(
    timeout_s: float | None, spins: int
) -> None:
    """A consumer cancelled as a frame arrives ends (the frame stays queued for the next one).

    With ``asyncio.wait_for`` around the wait (Python 3.11, gh-86296) the cancellation was
    swallowed and ``get`` returned the frame: a session's pump cancelled at the end of a
    capture ran on, and the guided calibration hung for its whole timeout about one run in
    three.
    """
    q = FrameQueue(8)
    task = asyncio.get_running_loop().create_task(q.get(timeout_s=timeout_s))
    await asyncio.sleep(0)  # the consumer is waiting
    q.put(b"frame")
    for _ in range(spins):
        await asyncio.sleep(0)
    if task.done():  # it took the frame before the cancel came: nothing to swallow
        got = task.result()
        assert got is not None and got.data == b"frame"
        return
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    kept = q.get_nowait()
    assert kept is not None and kept.data == b"frame"


def test_queue_is_bounded_and_counts_what_it_drops() -> None:
    q = FrameQueue(16)
    for i in range(20):
        q.put(bytes([i]))
    assert len(q) == 16
    assert q.overflowed == 4
    first = q.get_nowait()
    assert first is not None and first.data == bytes([4])


def test_backoff_grows_geometrically_to_its_cap() -> None:
    cfg = LinkConfig(backoff_initial_s=0.25, backoff_factor=3.0, backoff_max_s=5.0)
    assert list(itertools.islice(backoff_delays_s(cfg), 5)) == [0.25, 0.75, 2.25, 5.0, 5.0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("watchdog_s", 0.0),
        ("backoff_initial_s", -1.0),
        ("backoff_factor", 0.5),
        ("connect_attempts", 0),
        ("queue_frames", 3),
        ("reconnect_give_up_s", -math.inf),
    ],
)
def test_link_config_refuses_bad_values(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        LinkConfig(**{field: value})


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("ble:AA:BB:CC:DD:EE:FF", "ble", "AA:BB:CC:DD:EE:FF"),
        ("serial:/dev/ttyACM0", "serial", "/dev/ttyACM0"),
        ("SERIAL:COM3", "serial", "COM3"),
        ("replay:night.rlscap", "replay", "night.rlscap"),
    ],
)
def test_spec_parsing(text: str, kind: str, target: str) -> None:
    spec = parse_transport_spec(text)
    assert (spec.kind, spec.target) == (kind, target)


@pytest.mark.parametrize("text", ["usb:/dev/x", "ble:", "/dev/ttyACM0"])
def test_spec_parsing_refuses_nonsense(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_transport_spec(text)
