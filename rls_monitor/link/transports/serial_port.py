"""The serial link (USB CDC or UART), over pyserial (the only module importing it, lazily).

The byte stream carries COBS-encoded frames, each followed by a ``0x00`` delimiter (see
``docs/protocol.md``). A reader thread does the blocking reads, splits the stream on the
delimiter, decodes each piece and hands the frames to the event loop in one call per read; a
piece that does not decode is dropped (up to the next delimiter) and counted in
:attr:`SerialTransport.framing_errors`.

Error mapping at this boundary:

=====================================  =========================================
raised underneath                       raised to the caller
=====================================  =========================================
opening: no such port (``ENOENT``)      :class:`~rls_monitor.errors.DeviceNotFound`
opening: any other ``SerialException``  :class:`~rls_monitor.errors.ConnectError`
  or ``OSError`` (busy, permission)
reading/writing: ``SerialException``,   :class:`~rls_monitor.errors.LinkLost`
  ``OSError`` (unplugged, pty closed)
=====================================  =========================================
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from rls_monitor.errors import ConnectError, DeviceNotFound, LinkLost, TransportError
from rls_monitor.link.transports.base import LinkConfig, LinkState, TransportBase

__all__ = ["SerialTransport", "map_serial_error"]

log = logging.getLogger(__name__)

DELIMITER = b"\x00"
MAX_FRAME_BYTES = 4096
"""A piece longer than this without a delimiter is garbage: it is dropped."""


def map_serial_error(exc: BaseException, *, connected: bool, port: str) -> TransportError:
    """Translate a pyserial or OS error into our exception tree.

    Parameters
    ----------
    exc : BaseException
        The error raised by pyserial or the OS.
    connected : bool
        Whether the port was open when it happened.
    port : str
        The port, for the message.

    Returns
    -------
    TransportError
        :class:`LinkLost` when connected; else :class:`DeviceNotFound` for a port that does not
        exist, :class:`ConnectError` otherwise.
    """
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TransportError):
        return exc
    if connected:
        return LinkLost(f"serial {port}: {text}")
    code = getattr(exc, "errno", None)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "No such file" in text:
        return DeviceNotFound(f"serial port {port} does not exist (is the band plugged in?)")
    if code in (errno.EACCES, errno.EPERM):
        return ConnectError(
            f"no permission to open {port} (on Linux, add yourself to the 'dialout' group)"
        )
    if code == errno.EBUSY:
        return ConnectError(f"serial port {port} is busy (another program has it open?)")
    return ConnectError(f"cannot open serial port {port}: {text}")


def _default_factory(port: str, baudrate: int) -> Any:
    import serial

    return serial.Serial(port, baudrate=baudrate, timeout=0.2, write_timeout=2.0, exclusive=True)


class SerialTransport(TransportBase):
    """A serial link to one band with COBS framing.

    Parameters
    ----------
    port : str
        The port path (``/dev/ttyACM0``, ``COM3``, or a pty's slave path).
    baudrate : int
        Ignored by USB CDC ports and ptys; used by UARTs.
    serial_factory : callable, optional
        ``(port, baudrate) -> object`` with pyserial's ``read``, ``write``, ``in_waiting``,
        ``close``; default ``serial.Serial`` with a short read timeout.
    framing : module, optional
        Provides ``cobs_encode`` and ``cobs_decode`` (default :mod:`firmware_host.protocol`).
    config : LinkConfig, optional
        Queue size and the like.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 1_000_000,
        serial_factory: Callable[[str, int], Any] | None = None,
        config: LinkConfig | None = None,
        framing: Any = None,
    ) -> None:
        super().__init__(config)
        self._framing = framing
        self.port = port
        self.baudrate = baudrate
        self.description = f"serial {port}"
        self._factory = serial_factory or _default_factory
        self._serial: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._write_lock = asyncio.Lock()
        self.framing_errors = 0
        self.bytes_received = 0

    @property
    def mtu(self) -> int:
        return MAX_FRAME_BYTES

    async def open(self) -> None:
        """Open the port and start the reader thread.

        Raises
        ------
        DeviceNotFound
            The port does not exist.
        ConnectError
            It exists but cannot be opened (permissions, busy).
        """
        if self._serial is not None:
            await self.close()
        self._set_state(LinkState.CONNECTING)
        self._queue.clear()
        try:
            ser = await asyncio.to_thread(self._factory, self.port, self.baudrate)
        except Exception as exc:
            self._set_state(LinkState.CLOSED)
            raise map_serial_error(exc, connected=False, port=self.port) from exc
        self._serial = ser
        self._stop = threading.Event()
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._reader,
            args=(ser, loop, self._stop),
            name=f"serial-{self.port}",
            daemon=True,
        )
        self._set_state(LinkState.CONNECTED)
        self._thread.start()

    def _codec(self) -> Any:
        if self._framing is None:
            from firmware_host import protocol

            self._framing = protocol
        return self._framing

    def _reader(self, ser: Any, loop: asyncio.AbstractEventLoop, stop: threading.Event) -> None:
        cobs_decode = self._codec().cobs_decode

        pending = bytearray()
        while not stop.is_set():
            try:
                waiting = ser.in_waiting
                chunk = ser.read(max(1, min(waiting, 65536)))
            except Exception as exc:  # pyserial raises SerialException or OSError
                if not stop.is_set():
                    reason = f"read failed: {exc}"
                    try:
                        loop.call_soon_threadsafe(self._report_loss, reason)
                    except RuntimeError:  # loop closed
                        pass
                return
            if not chunk:
                continue
            self.bytes_received += len(chunk)
            pending += chunk
            if DELIMITER not in chunk:
                if len(pending) > MAX_FRAME_BYTES:
                    self.framing_errors += 1
                    pending.clear()
                continue
            *pieces, rest = bytes(pending).split(DELIMITER)
            pending = bytearray(rest)
            frames: list[bytes] = []
            for piece in pieces:
                if not piece:
                    continue
                try:
                    frames.append(bytes(cobs_decode(piece)))
                except Exception:  # a COBS error: drop up to the delimiter
                    self.framing_errors += 1
            if frames:
                try:
                    loop.call_soon_threadsafe(self._queue.put_many, frames, time.monotonic())
                except RuntimeError:
                    return

    async def close(self) -> None:
        """Stop the reader thread and close the port (idempotent)."""
        self._stop.set()
        ser, self._serial = self._serial, None
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 1.0)
        if ser is not None:
            try:
                ser.close()
            except Exception as exc:  # closing a vanished port
                log.debug("%s: error on close (ignored): %s", self.description, exc)
        self._set_state(LinkState.CLOSED)

    async def send(self, data: bytes) -> None:
        """COBS-encode ``data`` and write it with its delimiter.

        Raises
        ------
        LinkLost
            When the port is closed or the write fails.
        """
        ser = self._serial
        if ser is None or self._state is not LinkState.CONNECTED:
            raise LinkLost(f"{self.description}: not connected")
        payload = bytes(self._codec().cobs_encode(data)) + DELIMITER
        async with self._write_lock:
            try:
                await asyncio.to_thread(ser.write, payload)
            except Exception as exc:
                self._report_loss(f"write failed: {exc}")
                raise map_serial_error(exc, connected=True, port=self.port) from exc
