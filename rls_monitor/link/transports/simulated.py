"""The simulated band on real links: bleak's backend hook, a pseudo-terminal serial port.

:class:`BandDriver` runs a :class:`firmware_host.band.SimulatedBand` in simulated time, at a speed
relative to real time (``math.inf``: as fast as the host consumes). It is reached through:

- :class:`SimulatedBandPeripheral`: a peripheral in a :class:`~firmware_host.ble_air.SimAir`
  (the bleak backend classes) or in the bumble test backend; frames are sized to the ATT MTU the
  connection agreed; the band's injected link drops become real disconnects;
- :class:`PtyBand`: the band owns the master end of a pseudo-terminal in a thread and speaks
  COBS-framed frames; the host opens the slave path with pyserial like ``/dev/ttyACM0``.

Nothing here imports bleak or pyserial.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import select
import threading
import time
import tty
from datetime import UTC, datetime
from typing import Any

__all__ = ["BandDriver", "NusBandPeripheral", "PtyBand", "SimulatedBandPeripheral"]

log = logging.getLogger(__name__)

DEFAULT_EPOCH = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)


class BandDriver:
    """Advance a simulated band in simulated time, paced against the host's clock.

    Parameters
    ----------
    band : firmware_host.band.SimulatedBand
        The band.
    speed : float
        Simulated seconds per real second; ``math.inf`` runs as fast as frames are consumed.
    step_s : float
        Simulated time advanced per step at ``math.inf`` speed, in seconds.
    epoch : datetime
        True UTC at the band's simulated time zero (the host's simulated clock starts there).
    idle_speed : float
        At ``math.inf`` speed, simulated seconds per real second while the band cannot send.
    """

    def __init__(
        self,
        band: Any,
        *,
        speed: float = math.inf,
        step_s: float = 1.0,
        epoch: datetime = DEFAULT_EPOCH,
        idle_speed: float = 60.0,
    ) -> None:
        self.band = band
        self.speed = speed
        self.step_s = step_s
        self.epoch_unix_s = epoch.timestamp()
        self.lock = threading.RLock()
        self._real_anchor: float | None = None
        self._sim_anchor = 0.0
        self._last_call = time.monotonic()
        self.idle_speed = idle_speed

    @property
    def true_time_s(self) -> float:
        """Simulated true time since the band's start, in seconds."""
        return float(self.band.true_time_s)

    def now_unix_s(self) -> float:
        """The simulated true UTC (the host's clock in a simulation), Unix seconds."""
        return self.epoch_unix_s + self.true_time_s

    @property
    def finished(self) -> bool:
        """Whether the band's source is exhausted (and everything is in flash)."""
        return bool(self.band.source_exhausted)

    def due_step_s(self) -> float:
        """Simulated seconds to advance now to keep pace with real time.

        At ``math.inf`` speed: ``step_s`` while the band streams its night to a host; while it
        cannot send (link dropped, silent, not streaming) or its source is played, time runs at
        ``idle_speed`` times real time, so the host's real-time timeouts (watchdog, backoff) do
        not stand for hours of night and the battery does not run down after the night.
        """
        now = time.monotonic()
        if math.isinf(self.speed):
            last, self._last_call = self._last_call, now
            band = self.band
            if band.can_send and band.streaming and not band.source_exhausted:
                return self.step_s
            return min(self.step_s, max(0.0, now - last) * self.idle_speed)
        if self._real_anchor is None:
            self._real_anchor = now
            self._sim_anchor = self.true_time_s
            return 0.0
        target = self._sim_anchor + (now - self._real_anchor) * self.speed
        return max(0.0, target - self.true_time_s)

    def step(self, dt_s: float) -> list[bytes]:
        """Advance the band by ``dt_s`` simulated seconds; return its notifications."""
        if dt_s <= 0:
            return []
        with self.lock:
            return list(self.band.advance(dt_s))

    def command(self, data: bytes) -> list[bytes]:
        """Hand the band one command; return its immediate answers."""
        with self.lock:
            return list(self.band.handle_command(data))


class SimulatedBandPeripheral:
    """A simulated band as a BLE peripheral (for the simulated bleak backend and bumble).

    Parameters
    ----------
    driver : BandDriver
        The band and its clock.
    address : str
        The address it advertises from.
    name : str
        Its advertised local name.
    mtu : int
        The ATT MTU it agrees to (the simulated air has no exchange: 247 like a modern phone).
    """

    def __init__(
        self,
        driver: BandDriver,
        *,
        address: str = "C0:FF:EE:00:00:01",
        name: str = "",
        mtu: int = 247,
        protocol: Any = None,
    ) -> None:
        if protocol is None:
            from firmware_host import protocol

        self.driver = driver
        self.address = address
        self.local_name = name or f"RLS-{driver.band.device_id[-4:]}"
        self.mtu = mtu
        self.protocol = protocol
        self.connection: Any = None
        self.subscribed = False
        self._task: asyncio.Task[None] | None = None
        self.out_of_range = False
        self.notifications = 0
        #: real seconds between the band's steps at a finite speed
        self.step_interval_s = 0.02

    @property
    def advertising(self) -> bool:
        band = self.driver.band
        return self.connection is None and not self.out_of_range and bool(band.powered)

    def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
        return [str(self.protocol.SERVICE_UUID)], {}, -55

    def gatt_table(self) -> dict[str, list[Any]]:
        from firmware_host.ble_air import SimCharacteristic

        p = self.protocol
        return {
            str(p.SERVICE_UUID): [
                SimCharacteristic(str(p.DATA_CHAR_UUID), ("notify",)),
                SimCharacteristic(str(p.CONTROL_CHAR_UUID), ("write",)),
                SimCharacteristic(str(p.INFO_CHAR_UUID), ("read",)),
            ]
        }

    async def on_connect(self, connection: Any) -> int:
        mtu = int(getattr(connection, "mtu", self.mtu))
        self.connection = connection
        with self.driver.lock:
            self.driver.band.connect(att_mtu=mtu)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return mtu

    async def on_disconnect(self) -> None:
        self.connection = None
        self.subscribed = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with self.driver.lock:
            self.driver.band.disconnect()

    def on_read(self, char_uuid: str) -> bytes:
        with self.driver.lock:
            return bytes(self.driver.band.info_bytes())

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        for frame in self.driver.command(data):
            self._send(frame)

    def on_subscribe(self, char_uuid: str, enabled: bool) -> None:
        self.subscribed = enabled

    def _send(self, frame: bytes) -> None:
        connection = self.connection
        if connection is not None and self.subscribed:
            if connection.notify(str(self.protocol.DATA_CHAR_UUID).lower(), frame):
                self.notifications += 1

    async def _run(self) -> None:
        """Advance the band while connected; deliver its notifications; honour injected drops."""
        driver = self.driver
        while self.connection is not None:
            dt = driver.due_step_s()
            for frame in driver.step(dt):
                self._send(frame)
            band = driver.band
            if getattr(band, "link_dropped", False):
                connection = self.connection
                if connection is not None:
                    connection.drop()
                return
            if getattr(band, "silent", False) and self.connection is not None:
                self.connection.silent = True
            if math.isinf(driver.speed):
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(self.step_interval_s)


class PtyBand:
    """A simulated band behind a pseudo-terminal: the host opens :attr:`port` with pyserial.

    The band runs in a thread on the master end: it reads COBS-framed commands, advances in
    simulated time and writes COBS-framed frames (a blocking write: a slow host slows the band
    at ``math.inf`` speed, as a real USB link would).

    Parameters
    ----------
    driver : BandDriver
        The band and its clock.
    """

    def __init__(self, driver: BandDriver, *, protocol: Any = None) -> None:
        if protocol is None:
            from firmware_host import protocol

        self.driver = driver
        self.protocol = protocol
        self.master_fd, self.slave_fd = os.openpty()
        tty.setraw(self.master_fd)
        tty.setraw(self.slave_fd)
        self.port = os.ttyname(self.slave_fd)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bytes_written = 0
        self.error: BaseException | None = None

    def start(self) -> PtyBand:
        """Start the band's thread."""
        self._thread = threading.Thread(target=self._serve, name="pty-band", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close both ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for fd in (self.master_fd, self.slave_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyBand:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _write(self, frames: list[bytes]) -> None:
        if not frames:
            return
        encode = self.protocol.cobs_encode
        payload = b"".join(bytes(encode(f)) + b"\x00" for f in frames)
        view = memoryview(payload)
        while view and not self._stop.is_set():
            _, writable, _ = select.select([], [self.master_fd], [], 0.1)
            if not writable:
                continue
            n = os.write(self.master_fd, view)
            self.bytes_written += n
            view = view[n:]

    def _serve(self) -> None:
        driver = self.driver
        decoder = self.protocol.CobsDecoder()
        try:
            with driver.lock:
                driver.band.connect(att_mtu=None)
            while not self._stop.is_set():
                timeout = 0.0 if math.isinf(driver.speed) else 0.01
                readable, _, _ = select.select([self.master_fd], [], [], timeout)
                if readable:
                    try:
                        chunk = os.read(self.master_fd, 4096)
                    except OSError:
                        chunk = b""
                    for command in decoder.feed(chunk):
                        band = driver.band
                        if getattr(band, "link_dropped", False) or getattr(band, "silent", False):
                            # the host reopened the port after a loss: the link is back
                            with driver.lock:
                                band.connect(att_mtu=None)
                        self._write(driver.command(bytes(command)))
                band = driver.band
                if getattr(band, "link_dropped", False) or getattr(band, "silent", False):
                    # the serial line goes quiet: the host's watchdog notices
                    driver.step(driver.due_step_s())
                    if math.isinf(driver.speed):
                        time.sleep(0.001)
                    continue
                self._write(driver.step(driver.due_step_s()))
        except Exception as exc:  # reported to the test through .error
            self.error = exc
            log.exception("pty band stopped")


NUS_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
NUS_TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"


class NusBandPeripheral(SimulatedBandPeripheral):
    """The simulated band as a home-made board would be: our protocol over the Nordic UART
    Service, every frame COBS-encoded and delimited by 0x00 as on a serial line, the stream cut
    into notifications of the ATT MTU's payload (``6E400003``); commands arrive the same way on
    ``6E400002``.

    Parameters are those of :class:`SimulatedBandPeripheral`.
    """

    def __init__(self, driver: BandDriver, **kwargs: Any) -> None:
        kwargs.setdefault("address", "C0:FF:EE:00:0E:01")
        super().__init__(driver, **kwargs)
        self.local_name = f"RLS-NUS-{driver.band.device_id[-4:]}"
        self._decoder = self.protocol.CobsDecoder()
        self._payload = max(20, self.mtu - 3)
        # a board's firmware wakes per DATA frame's worth of samples, not 50 times a second
        self.step_interval_s = 0.1

    def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
        return [NUS_SERVICE_UUID], {}, -57

    def gatt_table(self) -> dict[str, list[Any]]:
        from firmware_host.ble_air import SimCharacteristic

        return {
            NUS_SERVICE_UUID: [
                SimCharacteristic(NUS_RX_UUID, ("write",)),
                SimCharacteristic(NUS_TX_UUID, ("notify",)),
            ]
        }

    async def on_connect(self, connection: Any) -> int:
        self._decoder = self.protocol.CobsDecoder()
        mtu = await super().on_connect(connection)
        self._payload = max(20, mtu - 3)
        return mtu

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        for command in self._decoder.feed(data):
            for frame in self.driver.command(bytes(command)):
                self._send(frame)

    def _send(self, frame: bytes) -> None:
        connection = self.connection
        if connection is None or not self.subscribed:
            return
        stream = bytes(self.protocol.cobs_encode(frame)) + b"\x00"
        size = self._payload
        for i in range(0, len(stream), size):
            if connection.notify(NUS_TX_UUID, stream[i : i + size]):
                self.notifications += 1
