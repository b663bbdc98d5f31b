"""Replay of recorded frame captures: a link's received frames, saved and played back.

A capture is what a transport received, frame by frame, with arrival times: write one with
:class:`CaptureWriter` (fed from a transport's frames) when a band misbehaves in the field, and
replay it later through the same decoding and session code (``replay:FILE``) to reproduce what
the host saw. A replay cannot answer commands: gaps in a capture stay gaps.

File format (little endian)::

    b"RLSCAP1\\n"                      magic, 8 bytes
    repeated:  f64 arrival_s            seconds since the first frame
               u32 length               bytes of the frame
               length bytes             the frame

A truncated last record (the host was killed mid-write) is ignored.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from rls_monitor.errors import DeviceNotFound, LinkLost, RecordingError
from rls_monitor.link.transports.base import LinkConfig, LinkState, TransportBase

__all__ = ["CaptureReplayTransport", "CaptureWriter", "read_capture"]

log = logging.getLogger(__name__)

MAGIC = b"RLSCAP1\n"
_RECORD = struct.Struct("<dI")
MAX_CAPTURED_FRAME = 1 << 16


class CaptureWriter:
    """Append received frames to a capture file.

    Parameters
    ----------
    path : path-like
        The file to create (overwritten).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh: BinaryIO | None = self.path.open("wb")
        self._fh.write(MAGIC)
        self._t0: float | None = None
        self.frames = 0

    def write(self, arrival_s: float, data: bytes) -> None:
        """Append one frame received at host monotonic time ``arrival_s`` (seconds)."""
        if self._fh is None:
            return
        if self._t0 is None:
            self._t0 = arrival_s
        self._fh.write(_RECORD.pack(arrival_s - self._t0, len(data)))
        self._fh.write(data)
        self.frames += 1

    def close(self) -> None:
        """Flush and close (idempotent)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_capture(path: str | Path) -> Iterator[tuple[float, bytes]]:
    """Yield ``(arrival_s, frame)`` from a capture file.

    Raises
    ------
    RecordingError
        When the file is not a capture.
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise RecordingError(f"cannot open capture: {exc.strerror}", path=path) from exc
    with fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise RecordingError("not an rls-monitor frame capture (bad magic)", path=path)
        while True:
            head = fh.read(_RECORD.size)
            if len(head) < _RECORD.size:
                return
            arrival_s, length = _RECORD.unpack(head)
            if length > MAX_CAPTURED_FRAME:
                raise RecordingError(f"corrupt capture: a {length}-byte frame", path=path)
            data = fh.read(length)
            if len(data) < length:
                log.info("%s: truncated last record ignored", path)
                return
            yield arrival_s, data


class CaptureReplayTransport(TransportBase):
    """Plays a capture back as if a band sent it; commands sent to it are counted, not acted on.

    Parameters
    ----------
    path : path-like
        The capture file.
    speed : float
        Playback speed relative to the recorded arrival times; ``math.inf`` for as fast as the
        consumer takes them.
    config : LinkConfig, optional
        Queue size.
    """

    def __init__(
        self, path: str | Path, *, speed: float = float("inf"), config: LinkConfig | None = None
    ) -> None:
        super().__init__(config)
        self.path = Path(path)
        self.speed = speed
        self.description = f"replay {self.path.name}"
        self.commands_ignored = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def mtu(self) -> int:
        return MAX_CAPTURED_FRAME

    async def open(self) -> None:
        """Start playing the capture.

        Raises
        ------
        DeviceNotFound
            When the file does not exist.
        """
        if not self.path.is_file():
            raise DeviceNotFound(f"capture file {self.path} does not exist")
        if self._task is not None:
            return  # a replay does not restart after a "reconnection"
        self._set_state(LinkState.CONNECTED)
        self._task = asyncio.get_running_loop().create_task(self._play())

    async def _play(self) -> None:
        start = time.monotonic()
        try:
            for n, (arrival_s, data) in enumerate(read_capture(self.path)):
                if self.speed != float("inf"):
                    delay = start + arrival_s / self.speed - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                elif n % 64 == 0:
                    while len(self._queue) > 1024:
                        await asyncio.sleep(0)
                self._queue.put(data)
        except RecordingError as exc:
            self._queue.put_error(LinkLost(f"{self.description}: {exc}"))
            return
        self._set_state(LinkState.CLOSED)
        self._queue.put_error(LinkLost(f"{self.description}: end of capture"))

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
        self._set_state(LinkState.CLOSED)

    async def send(self, data: bytes) -> None:
        """Count the command; a capture cannot answer it."""
        self.commands_ignored += 1
