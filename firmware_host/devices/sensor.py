"""What the simulated vendor sensors share: a night played in simulated time, and a peripheral.

:class:`SensorNight` plays a source of int16 counts (a
:class:`firmware_host.signal_model.BandStream` or an array) block by block in simulated time
at a speed against real time; :class:`SensorPeripheral` puts it in the simulated air with the
Device Information and Battery services and sends each block as the vendor's notification
(:meth:`SensorPeripheral.encode_block`, per family). A vendor's sensor keeps nothing for a host
to fetch again: blocks made while no host is subscribed are lost (and recorded as such).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firmware_host.ble_air import SimCharacteristic
from firmware_host.protocol import gatt

__all__ = ["SensorNight", "SensorPeripheral"]


@dataclass
class SensorNight:
    """A night of samples played in simulated time.

    Parameters
    ----------
    source : array-like
        ``len()`` and ``source[a:b]`` giving int16 counts ``(n, 3)`` (a ``BandStream``).
    lsb_g : float
        g per count of the source.
    fs_hz : float
        The sensor's sample rate, Hz.
    speed : float
        Simulated seconds per real second; ``math.inf`` as fast as the host takes them.
    block_samples : int
        Samples per notification.
    drops_at_s : list of float
        Simulated times at which the link drops (the sensor goes out of range).
    out_of_range_s : float
        How long it stays out of range after a drop, simulated seconds.
    idle_speed : float
        At ``math.inf`` speed, simulated seconds per real second while no host is subscribed.
    step_s : float
        Simulated seconds a step advances at ``math.inf`` speed.
    epoch_unix_s : float
        True UTC of the night's start, Unix seconds.

    Attributes
    ----------
    true_time_s : float
        Simulated time since the night's start.
    next_index : int
        The next sample to be made.
    sent : list of (int, int)
        ``(first, stop)`` index ranges delivered to a subscribed host.
    """

    source: Any
    lsb_g: float
    fs_hz: float
    speed: float = math.inf
    block_samples: int = 8
    drops_at_s: list[float] = field(default_factory=list)
    out_of_range_s: float = 20.0
    idle_speed: float = 120.0
    step_s: float = 2.0
    epoch_unix_s: float = 0.0
    true_time_s: float = 0.0
    next_index: int = 0
    sent: list[tuple[int, int]] = field(default_factory=list)
    lost_samples: int = 0
    _last_real: float = field(default_factory=time.monotonic)

    @property
    def n_samples(self) -> int:
        """Samples in the night."""
        return len(self.source)

    def now_unix_s(self) -> float:
        """The simulated true UTC (the host's clock in a simulation), Unix seconds."""
        return self.epoch_unix_s + self.true_time_s

    @property
    def finished(self) -> bool:
        """Whether every sample has been made."""
        return self.next_index >= self.n_samples

    def due_s(self, streaming: bool) -> float:
        """Simulated seconds to advance now (at ``math.inf``: a step while streaming)."""
        now = time.monotonic()
        elapsed, self._last_real = max(0.0, now - self._last_real), now
        if math.isinf(self.speed):
            return self.step_s if streaming else min(self.step_s, elapsed * self.idle_speed)
        return elapsed * self.speed

    def advance(self, dt_s: float) -> list[tuple[int, NDArray[np.int16]]]:
        """Advance by ``dt_s``; return the blocks made: ``(first index, counts)``."""
        self.true_time_s += dt_s
        due = min(self.n_samples, int(self.true_time_s * self.fs_hz + 1e-9))
        blocks = []
        while self.next_index < due:
            stop = min(self.next_index + self.block_samples, self.n_samples)
            if stop > due:  # not all made yet (the night's last block is short)
                break
            counts = np.asarray(self.source[self.next_index : stop], dtype=np.int16)
            blocks.append((self.next_index, counts))
            self.next_index = stop
        return blocks

    def drop_due(self) -> bool:
        """Whether an injected drop is due now (it is then consumed)."""
        if self.drops_at_s and self.true_time_s >= self.drops_at_s[0]:
            self.drops_at_s.pop(0)
            return True
        return False


class SensorPeripheral:
    """A vendor sensor in the simulated air; subclasses speak the vendor's protocol.

    Parameters
    ----------
    night : SensorNight
        What it measures.
    address : str
        Its address.
    name : str
        Its advertised name.
    serial, model, firmware : str
        What its Device Information service says.
    battery_pct : int
        Its Battery service's level.
    mtu : int
        The ATT MTU it agrees to.
    """

    service_uuid = ""

    def __init__(
        self,
        night: SensorNight,
        *,
        address: str,
        name: str,
        serial: str,
        model: str,
        firmware: str,
        battery_pct: int = 87,
        mtu: int = 247,
    ) -> None:
        self.night = night
        self.address = address
        self.local_name = name
        self.serial = serial
        self.model = model
        self.firmware = firmware
        self.battery_pct = battery_pct
        self.mtu = mtu
        self.connection: Any = None
        self.notifying: set[str] = set()
        self.streaming = False
        self.out_of_range_until_s = -1.0
        self.connects = 0
        self.notifications = 0
        self.injected: list[bytes] = []
        self._task: asyncio.Task[None] | None = None

    # -- what the subclasses give -----------------------------------------------------------

    def own_characteristics(self) -> list[SimCharacteristic]:
        """The vendor service's characteristics."""
        raise NotImplementedError

    def encode_block(self, first_index: int, counts: NDArray[np.int16]) -> bytes:
        """One block of samples as the vendor's data notification."""
        raise NotImplementedError

    data_uuid = ""

    # -- the air's interface --------------------------------------------------------------

    @property
    def advertising(self) -> bool:
        if self.connection is None:
            self._idle()
        in_range = self.night.true_time_s >= self.out_of_range_until_s
        return self.connection is None and in_range

    def _idle(self) -> None:
        """Time runs on with no host: the samples made now are lost."""
        for _, counts in self.night.advance(self.night.due_s(False)):
            self.night.lost_samples += len(counts)

    def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
        return [self.service_uuid], {}, -58

    def gatt_table(self) -> dict[str, list[SimCharacteristic]]:
        return {
            self.service_uuid: self.own_characteristics(),
            gatt.DEVICE_INFO_SERVICE_UUID: [
                SimCharacteristic(gatt.MODEL_NUMBER_UUID, ("read",)),
                SimCharacteristic(gatt.SERIAL_NUMBER_UUID, ("read",)),
                SimCharacteristic(gatt.FIRMWARE_REVISION_UUID, ("read",)),
            ],
            gatt.BATTERY_SERVICE_UUID: [SimCharacteristic(gatt.BATTERY_LEVEL_UUID, ("read",))],
        }

    def on_read(self, char_uuid: str) -> bytes:
        values = {
            gatt.MODEL_NUMBER_UUID: self.model.encode(),
            gatt.SERIAL_NUMBER_UUID: self.serial.encode(),
            gatt.FIRMWARE_REVISION_UUID: self.firmware.encode(),
            gatt.BATTERY_LEVEL_UUID: bytes([self.battery_pct]),
        }
        return values.get(char_uuid.lower(), b"")

    async def on_connect(self, connection: Any) -> int:
        self.connection = connection
        self.connects += 1
        self._task = asyncio.get_running_loop().create_task(self._run())
        return int(getattr(connection, "mtu", self.mtu))

    async def on_disconnect(self) -> None:
        """Every subscription ends with the connection."""
        self.connection = None
        self.notifying.clear()
        self.streaming = False
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def on_subscribe(self, char_uuid: str, enabled: bool) -> None:
        if enabled:
            self.notifying.add(char_uuid.lower())
        else:
            self.notifying.discard(char_uuid.lower())

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        raise NotImplementedError

    def notify(self, char_uuid: str, data: bytes) -> bool:
        """Send one notification (or indication) if the host subscribed to it."""
        connection = self.connection
        if connection is None or char_uuid.lower() not in self.notifying:
            return False
        delivered = bool(connection.notify(char_uuid.lower(), data))
        self.notifications += delivered
        return delivered

    async def _run(self) -> None:
        """Make samples while connected; send them while the host is subscribed."""
        night = self.night
        while self.connection is not None:
            live = self.streaming and self.data_uuid.lower() in self.notifying
            for first, counts in night.advance(night.due_s(live)):
                if live and self.notify(self.data_uuid, self.encode_block(first, counts)):
                    night.sent.append((first, first + len(counts)))
                else:
                    night.lost_samples += len(counts)
            for frame in self.injected:
                self.notify(self.data_uuid, frame)
            self.injected.clear()
            if night.drop_due():
                self.out_of_range_until_s = night.true_time_s + night.out_of_range_s
                connection = self.connection
                if connection is not None:
                    connection.drop()
                return
            if math.isinf(night.speed):
                await asyncio.sleep(0)
            else:  # wake when the next block is due, as a sensor's notification interval
                await asyncio.sleep(max(0.005, night.block_samples / night.fs_hz / night.speed))
