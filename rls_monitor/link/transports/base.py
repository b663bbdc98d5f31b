"""The transport interface shared by every link to a band and its configuration.

A transport moves raw protocol frames (``bytes``, already split out of the byte stream where the
medium is a stream) between the host and one band. It knows nothing of what the frames mean: the
band session (:mod:`rls_monitor.link.band_session`) decodes them, tracks sequence numbers, requests
resends and decides when to reconnect. A transport only connects, sends, receives and reports
that its link went away.

Received frames are stamped with the host's monotonic clock at arrival: the callbacks of the radio
stack (bleak's notification callback, the serial reader thread) only append ``(monotonic_s,
frame)`` to a bounded queue; parsing happens in the consumer.

Errors of the libraries underneath (bleak, bleak-retry-connector, pyserial, OS errors) are
translated to :class:`~rls_monitor.errors.TransportError` subclasses in the module that imports
the library, with the original chained as ``__cause__``.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from rls_monitor.errors import ConfigError, LinkLost

__all__ = [
    "FrameQueue",
    "LinkConfig",
    "LinkState",
    "ReceivedFrame",
    "Transport",
    "TransportSpec",
    "backoff_delays_s",
    "parse_transport_spec",
]

log = logging.getLogger(__name__)

TRANSPORT_KINDS = ("ble", "serial", "replay")


class LinkState(enum.StrEnum):
    """Where a link stands; shown on the live status line."""

    CLOSED = "closed"
    SCANNING = "scanning"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One raw frame as it arrived.

    Attributes
    ----------
    arrival_s : float
        Host monotonic clock at arrival, in seconds (``time.monotonic()``).
    data : bytes
        The frame's bytes (one BLE notification, or one COBS-decoded serial frame).
    """

    arrival_s: float
    data: bytes


@dataclass(frozen=True)
class LinkConfig:
    """How a link connects, reconnects and decides that it went silent.

    Parameters
    ----------
    connect_timeout_s : float
        Time allowed for one connection attempt, in seconds.
    scan_timeout_s : float
        Time allowed to find the band by scanning, in seconds.
    connect_attempts : int
        Connection attempts made by one :meth:`Transport.open` before it gives up
        (bleak-retry-connector's ``max_attempts`` for BLE).
    backoff_initial_s, backoff_max_s, backoff_factor : float
        Delays between reconnection attempts after a link loss: ``initial * factor**k``,
        capped at ``backoff_max_s`` seconds.
    reconnect_give_up_s : float
        A session gives up reconnecting after this long without a link, in seconds
        (``math.inf`` never gives up: the band keeps the night in flash meanwhile).
    watchdog_s : float
        A streaming link that delivers no frame for this long, in seconds, is taken as dead
        even without a disconnect event, and is reconnected.
    queue_frames : int
        Bound of the receive queue, in frames; the oldest frames are dropped (and counted)
        when the consumer falls that far behind, to be recovered by resend requests.
    """

    connect_timeout_s: float = 20.0
    scan_timeout_s: float = 15.0
    connect_attempts: int = 4
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    backoff_factor: float = 2.0
    reconnect_give_up_s: float = math.inf
    watchdog_s: float = 10.0
    queue_frames: int = 65536

    def __post_init__(self) -> None:
        for name in (
            "connect_timeout_s",
            "scan_timeout_s",
            "backoff_initial_s",
            "backoff_max_s",
            "watchdog_s",
            "reconnect_give_up_s",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise ConfigError(f"{name} must be a positive number; got {value!r}", name=name)
        if self.backoff_factor < 1:
            raise ConfigError(
                f"backoff_factor must be at least 1; got {self.backoff_factor!r}",
                name="backoff_factor",
            )
        if self.connect_attempts < 1:
            raise ConfigError(
                f"connect_attempts must be at least 1; got {self.connect_attempts!r}",
                name="connect_attempts",
            )
        if self.queue_frames < 16:
            raise ConfigError(
                f"queue_frames must be at least 16; got {self.queue_frames!r}", name="queue_frames"
            )


def backoff_delays_s(config: LinkConfig) -> collections.abc.Iterator[float]:
    """Yield the delays between reconnection attempts, in seconds (an endless iterator).

    Examples
    --------
    >>> import itertools
    >>> cfg = LinkConfig(backoff_initial_s=0.5, backoff_max_s=4.0, backoff_factor=2.0)
    >>> list(itertools.islice(backoff_delays_s(cfg), 6))
    [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    """
    delay = config.backoff_initial_s
    while True:
        yield min(delay, config.backoff_max_s)
        delay = min(delay * config.backoff_factor, config.backoff_max_s)


class FrameQueue:
    """A bounded single-consumer queue of received frames, fed from callbacks.

    :meth:`put` never blocks and never raises: it is what a notification callback or a reader
    thread (through ``loop.call_soon_threadsafe``) calls. The consumer awaits :meth:`get`. A
    link loss is delivered in order, after the frames received before it, as :class:`LinkLost`.

    Parameters
    ----------
    max_frames : int
        Bound; when full, the oldest frame is dropped and counted in :attr:`overflowed`.
    """

    def __init__(self, max_frames: int = 65536) -> None:
        self._items: collections.deque[ReceivedFrame | BaseException] = collections.deque()
        self._max = max_frames
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = 0
        self.received = 0

    def __len__(self) -> int:
        return len(self._items)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def put(self, data: bytes | bytearray, arrival_s: float | None = None) -> None:
        """Append one frame (called from the radio stack's callback; never blocks)."""
        if len(self._items) >= self._max:
            self._items.popleft()
            self.overflowed += 1
        self._items.append(
            ReceivedFrame(time.monotonic() if arrival_s is None else arrival_s, bytes(data))
        )
        self.received += 1
        self._wake()

    def put_many(self, frames: list[bytes], arrival_s: float) -> None:
        """Append several frames that arrived together (one serial read)."""
        for data in frames:
            if len(self._items) >= self._max:
                self._items.popleft()
                self.overflowed += 1
            self._items.append(ReceivedFrame(arrival_s, data))
        self.received += len(frames)
        self._wake()

    def put_error(self, error: BaseException) -> None:
        """Queue a link failure, delivered after the frames already queued."""
        self._items.append(error)
        self._wake()

    def clear(self) -> None:
        """Forget everything queued (after a reconnection)."""
        self._items.clear()

    def get_nowait(self) -> ReceivedFrame | None:
        """Return the next frame, or ``None`` when empty; raise a queued link failure."""
        if not self._items:
            return None
        item = self._items.popleft()
        if isinstance(item, BaseException):
            raise item
        return item

    async def get(self, timeout_s: float | None = None) -> ReceivedFrame | None:
        """Wait for the next frame; ``None`` when ``timeout_s`` passes first.

        Raises
        ------
        LinkLost
            When the link went away (queued by :meth:`put_error`).
        """
        item = self.get_nowait()
        if item is not None:
            return item
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        try:
            if timeout_s is None:
                await self._waiter
            else:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
                # that arrives as the frame does (gh-86296), and a session's pump cancelled at
                # the end of a capture then ran on instead of ending (the guided calibration's
                # intermittent 42 s hang)
                try:
                    async with asyncio.timeout(timeout_s):
                        await asyncio.shield(self._waiter)
                except TimeoutError:
                    return None
        finally:
            self._waiter = None
        return self.get_nowait()


@runtime_checkable
class Transport(Protocol):
    """A link to one band moving raw frames.

    Used as an async context manager (``async with transport:`` opens and closes it). After a
    :class:`~rls_monitor.errors.LinkLost`, the same object may be opened again (reconnection);
    the session decides when.
    """

    description: str
    """Human-readable target, e.g. ``"BLE AA:BB:CC:DD:EE:FF"`` or ``"serial /dev/ttyACM0"``."""

    @property
    def state(self) -> LinkState:
        """The link's state."""
        ...

    @property
    def mtu(self) -> int:
        """Largest frame, in bytes, the link carries in one piece (ATT MTU - 3 for BLE)."""
        ...

    async def open(self) -> None:
        """Find and connect to the band and subscribe to its frames.

        Raises
        ------
        DeviceNotFound, ConnectError
        """
        ...

    async def close(self) -> None:
        """Disconnect (idempotent); a disconnect we asked for is not reported as a loss."""
        ...

    async def send(self, data: bytes) -> None:
        """Send one command frame to the band.

        Raises
        ------
        LinkLost
            When the link is down.
        """
        ...

    async def receive(self, timeout_s: float | None = None) -> ReceivedFrame | None:
        """Wait for the next received frame; ``None`` if ``timeout_s`` passes first.

        Raises
        ------
        LinkLost
            When the link went away; frames received before the loss come first.
        """
        ...

    async def read_info(self) -> bytes | None:
        """Read the band's info characteristic (BLE), or ``None`` where the link has none."""
        ...

    async def read_characteristic(self, uuid: str) -> bytes | None:
        """Read any GATT characteristic (BLE), or ``None`` where the link has none."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class TransportBase:
    """Shared plumbing of the concrete transports: state, queue, context manager."""

    description = "transport"

    def __init__(self, config: LinkConfig | None = None) -> None:
        self.config = config or LinkConfig()
        self._state = LinkState.CLOSED
        self._queue = FrameQueue(self.config.queue_frames)
        self.disconnects = 0
        self.state_listeners: list[Callable[[LinkState], None]] = []

    @property
    def state(self) -> LinkState:
        return self._state

    def _set_state(self, state: LinkState) -> None:
        if state is not self._state:
            log.debug("%s: %s -> %s", self.description, self._state, state)
            self._state = state
            for listener in self.state_listeners:
                listener(state)

    @property
    def queue(self) -> FrameQueue:
        """The receive queue (its counters say how many frames arrived or overflowed)."""
        return self._queue

    async def receive(self, timeout_s: float | None = None) -> ReceivedFrame | None:
        return await self._queue.get(timeout_s)

    def _report_loss(self, reason: str) -> None:
        """Mark the link lost and wake the consumer with :class:`LinkLost` (callback-safe)."""
        if self._state in (LinkState.CLOSED, LinkState.LOST):
            return
        self.disconnects += 1
        self._set_state(LinkState.LOST)
        self._queue.put_error(LinkLost(f"{self.description}: {reason}"))

    async def read_info(self) -> bytes | None:
        return None

    async def read_characteristic(self, uuid: str) -> bytes | None:
        """Read a GATT characteristic; ``None`` on a link without GATT (serial, replay)."""
        return None

    @property
    def mtu(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    async def send(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def open(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


@dataclass(frozen=True)
class TransportSpec:
    """Which link to open.

    Parameters
    ----------
    kind : {"ble", "serial", "replay"}
        The medium.
    target : str
        BLE address (or platform UUID on macOS), serial port path (``/dev/ttyACM0``, ``COM3``),
        or a replay capture file.
    baudrate : int
        Serial only; a USB CDC port ignores it.
    """

    kind: str
    target: str
    baudrate: int = 1_000_000

    def __post_init__(self) -> None:
        if self.kind not in TRANSPORT_KINDS:
            raise ConfigError(
                f"transport kind must be one of {', '.join(TRANSPORT_KINDS)}; got {self.kind!r}",
                name="kind",
                value=self.kind,
                allowed=TRANSPORT_KINDS,
            )
        if not self.target:
            raise ConfigError(f"a {self.kind} transport needs a target", name="target")


def parse_transport_spec(text: str) -> TransportSpec:
    """Parse ``"ble:ADDRESS"``, ``"serial:PORT"`` or ``"replay:FILE"``.

    Raises
    ------
    ConfigError
        For an unknown kind or an empty target.

    Examples
    --------
    >>> parse_transport_spec("serial:/dev/ttyACM0")
    TransportSpec(kind='serial', target='/dev/ttyACM0', baudrate=1000000)
    >>> parse_transport_spec("ble:AA:BB:CC:DD:EE:FF").target
    'AA:BB:CC:DD:EE:FF'
    """
    kind, sep, target = text.partition(":")
    if not sep:
        raise ConfigError(
            f"a transport is written KIND:TARGET (ble:ADDRESS, serial:PORT, replay:FILE); "
            f"got {text!r}",
            name="transport",
            value=text,
        )
    return TransportSpec(kind.strip().lower(), target.strip())
