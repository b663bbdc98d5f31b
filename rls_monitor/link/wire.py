"""The wire seen from the host: commands encoded and frames decoded with :mod:`firmware_host.protocol`.

:class:`Wire` is the one host module that reads the band's frames; it turns them into the host's
message classes (:class:`DataBlock`, :class:`Reply`, :class:`StatusReport`, :class:`EndOfData`,
:class:`EventItem`, :class:`EventsStart`) and the band's INFO record into :class:`BandInfo`.
Every decoding failure becomes a :class:`~rls_monitor.errors.FrameError` with its ``kind``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConnectError,
    FrameError,
    LinkLost,
)
from rls_monitor.link.transports.base import (
    Transport,
)


@dataclass(frozen=True, slots=True)
class DataBlock:
    """A decoded DATA frame: ``samples`` int16 counts (n, 3) starting at band tick ``tick``."""

    seq: int
    tick: int
    samples: NDArray[np.int16]
    format_code: int


@dataclass(frozen=True, slots=True)
class Reply:
    """The band's (reassembled) answer to command ``cmd_id``.

    Attributes
    ----------
    cmd_id : int
        The command's id.
    ok : bool
        Whether the band carried it out.
    result : int
        The protocol's result code.
    data : bytes
        Opcode-specific answer.
    band_next_seq : int
        The band's next DATA sequence number when it answered.
    """

    cmd_id: int
    ok: bool
    result: int
    data: bytes
    band_next_seq: int


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A STATUS frame: battery level in percent."""

    battery_pct: float


@dataclass(frozen=True, slots=True)
class EndOfData:
    """An END frame: the band has sent what was asked; ``band_next_seq`` is its next frame."""

    cmd_id: int
    reason: int
    band_next_seq: int


@dataclass(frozen=True, slots=True)
class EventItem:
    """An EVENT or SUMMARY frame (events mode): its sequence number and the decoded frame."""

    seq: int
    frame: Any


@dataclass(frozen=True, slots=True)
class EventsStart:
    """Where a band's events mode began (from its SET_MODE answer).

    Attributes
    ----------
    first_event_seq : int
        Sequence number of the first EVENT/SUMMARY frame of events mode.
    start_tick : int or None
        Band tick of the first sample the on-device pipeline processed.
    start_sample : int or None
        That sample's index in the band's recording (DATA frame ``k`` holds samples
        ``k * frame_samples ...``).
    unix_s : float
        Host UTC when events mode was set (Unix seconds).
    """

    first_event_seq: int
    start_tick: int | None
    start_sample: int | None
    unix_s: float


@dataclass(frozen=True)
class BandInfo:
    """What a band says about itself (``GET_INFO``).

    Attributes
    ----------
    device_id : str
        The stable id a pairing is checked against.
    serial, firmware, model : str
        Identification.
    fs_hz : float
        Sample rate, Hz.
    lsb_g : float
        g per count of the samples.
    tick_hz : float
        Rate of the band's tick counter, Hz.
    frame_samples : int
        Samples per DATA frame (fixed until the band's flash is erased).
    ring_capacity_samples : int
        Samples the band's flash ring holds.
    band_next_seq : int
        The band's next DATA sequence number when it answered.
    """

    device_id: str
    serial: str
    firmware: str
    model: str
    fs_hz: float
    lsb_g: float
    tick_hz: float
    frame_samples: int
    ring_capacity_samples: int = 0
    band_next_seq: int = 0
    battery_pct: float | None = None
    mode: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return dataclasses.asdict(self)


class Wire:
    """Encode commands and decode frames with :mod:`firmware_host.protocol`, in the host's terms.

    Every decoding failure (the protocol's ``ProtocolError`` family) becomes a
    :class:`~rls_monitor.errors.FrameError` whose ``kind`` attribute names the fault
    (``BadCRC``, ``BadLength``, ``BadVersion``, ``UnknownType``, ...), so the session counts them.
    Multi-part responses are reassembled here.

    Parameters
    ----------
    protocol : module, optional
        The protocol module (default :mod:`firmware_host.protocol`).
    """

    def __init__(self, protocol: Any = None) -> None:
        if protocol is None:
            from firmware_host import protocol as default_protocol

            protocol = default_protocol
        self.p = protocol
        self._assembler = protocol.ResponseAssembler()

    def summaries(self, frames: list[Any]) -> list[Any]:
        """The minute summaries (``SUMMARY`` frames) among a band's event-mode frames.

        Parameters
        ----------
        frames : list
            Decoded frames, as :meth:`decode` gives them.

        Returns
        -------
        list
            The summary frames, in the order given.
        """
        return [f for f in frames if isinstance(f, self.p.SummaryFrame)]

    def decode(
        self, data: bytes
    ) -> DataBlock | Reply | StatusReport | EndOfData | EventItem | None:
        """Decode one frame; ``None`` for frames the host does not use (parts of a response
        still incomplete, unknown kinds).

        Raises
        ------
        FrameError
            With ``kind`` set, for any frame the protocol refuses.
        """
        p = self.p
        try:
            frame = p.decode_frame(data)
        except p.ProtocolError as exc:
            raise FrameError(f"bad frame: {exc}", kind=type(exc).__name__) from exc
        kind = frame.type
        if kind == p.DATA:
            return DataBlock(frame.seq, frame.tick, frame.samples, frame.format.code)
        if kind == p.RESPONSE:
            whole = self._assembler.feed(frame)
            if whole is None:
                return None
            return Reply(whole.cmd_id, whole.ok, whole.result, bytes(whole.data), whole.seq)
        if kind == p.STATUS:
            return StatusReport(float(frame.battery_pct))
        if kind == p.END:
            return EndOfData(frame.cmd_id, frame.reason, frame.seq)
        if kind in (p.EVENT, p.SUMMARY):
            return EventItem(frame.seq, frame)
        return None

    def _refused(self, reply: Reply, what: str) -> ConnectError:
        try:
            name = self.p.Result(reply.result).name
        except ValueError:
            name = f"result {reply.result}"
        return ConnectError(f"the band refused {what}: {name}")

    def get_info(self, cmd_id: int) -> bytes:
        """The GET_INFO command."""
        return bytes(self.p.cmd_get_info(cmd_id))

    def get_status(self, cmd_id: int) -> bytes:
        """The GET_STATUS command (answered by a reply and a STATUS frame)."""
        return bytes(self.p.cmd_get_status(cmd_id))

    def band_info(self, reply: Reply) -> BandInfo:
        """The band's identity from its GET_INFO reply.

        Raises
        ------
        ConnectError
            The band refused, or its info record does not decode.
        """
        if not reply.ok:
            raise self._refused(reply, "GET_INFO")
        return self.decode_band_info(reply.data, band_next_seq=reply.band_next_seq)

    def decode_band_info(self, record: bytes, *, band_next_seq: int = 0) -> BandInfo:
        """The band's identity from its info record (a GET_INFO reply's data, or the BLE INFO
        characteristic, which holds the same record; ``band_next_seq`` comes with a reply).

        Raises
        ------
        ConnectError
            The record does not decode.
        """
        try:
            info = self.p.decode_info(record)
        except self.p.ProtocolError as exc:
            raise ConnectError(f"the band's info record does not decode: {exc}") from exc
        return BandInfo(
            device_id=info.device_id,
            serial=info.serial,
            firmware=info.firmware,
            model=info.model,
            fs_hz=float(info.fs_hz),
            lsb_g=float(info.lsb_g),
            tick_hz=float(info.tick_hz),
            frame_samples=int(info.frame_samples),
            ring_capacity_samples=int(info.ring_capacity_samples),
            band_next_seq=band_next_seq,
            mode=int(getattr(info, "mode", 0)),
        )

    def set_mode(self, cmd_id: int, events: bool) -> bytes:
        """SET_MODE: on-device events (``events=True``) or raw samples."""
        mode = self.p.Mode.EVENTS if events else self.p.Mode.RAW
        return bytes(self.p.cmd_set_mode(cmd_id, mode))

    def mode_reply(self, reply: Reply) -> Any:
        """The band's answer to SET_MODE (``firmware_host.protocol.ModeReply``).

        Raises
        ------
        ConnectError
            The band refused (e.g. events mode on a band that is not recording).
        """
        if not reply.ok:
            raise self._refused(reply, "SET_MODE")
        try:
            return self.p.decode_mode_reply(reply.data)
        except self.p.ProtocolError as exc:
            raise ConnectError(f"the band's SET_MODE answer does not decode: {exc}") from exc

    def sync_time(self, cmd_id: int, unix_s: float) -> bytes:
        """The SYNC_TIME command carrying host UTC (Unix seconds)."""
        return bytes(self.p.cmd_sync_time(cmd_id, unix_s))

    def sync_tick(self, reply: Reply) -> int:
        """The band's tick in its SYNC_TIME reply.

        Raises
        ------
        ConnectError
            The band refused or answered without a tick.
        """
        if not reply.ok or len(reply.data) < 4:
            raise self._refused(reply, "SYNC_TIME")
        return int(struct.unpack_from("<I", reply.data)[0])

    def start_stream(self, cmd_id: int, from_seq: int) -> bytes:
        """START_STREAM from frame ``from_seq`` (the band catches up from flash, then live)."""
        return bytes(self.p.cmd_start_stream(cmd_id, from_seq))

    def check_ok(self, reply: Reply, what: str) -> None:
        """Raise :class:`ConnectError` when the band refused a command."""
        if not reply.ok:
            raise self._refused(reply, what)

    def resend(self, cmd_id: int, start: int, stop: int) -> bytes:
        """RESEND of frames ``start`` to ``stop - 1``."""
        return bytes(self.p.cmd_resend(cmd_id, start, stop))

    def stop_stream(self, cmd_id: int) -> bytes:
        """STOP_STREAM."""
        return bytes(self.p.cmd_stop_stream(cmd_id))

    async def request_info(
        self,
        transport: Transport,
        *,
        timeout_s: float = 5.0,
        codec: Any = None,
        status_wait_s: float = 0.0,
    ) -> BandInfo:
        """Ask an open transport's band for its identity (pairing); other frames are skipped.

        Parameters
        ----------
        transport : Transport
            Open.
        timeout_s : float
            Time allowed for the answer.
        codec : DeviceDriver, optional
            A :class:`~rls_monitor.link.drivers.base.DeviceDriver` (``outgoing`` and ``decode``)
            that frames the command and splits the answers where the link is a byte pipe (the
            Nordic UART Service); by default one frame is one write or notification.
        status_wait_s : float
            After the answer, ask ``GET_STATUS`` and wait up to this long for the band's STATUS
            frame, for its battery level (0: return at the answer, as pairing does).

        Returns
        -------
        BandInfo
            With ``battery_pct`` when the STATUS frame came within ``status_wait_s``.

        Raises
        ------
        LinkLost
            No answer within ``timeout_s``.
        ConnectError
            The band refused.
        """
        cmd_id = 1
        command = self.get_info(cmd_id)
        for chunk in codec.outgoing(command, transport.mtu) if codec else [command]:
            await transport.send(chunk)
        deadline = time.monotonic() + timeout_s
        info: BandInfo | None = None
        while (left := deadline - time.monotonic()) > 0:
            frame = await transport.receive(timeout_s=left)
            if frame is None:
                break
            with contextlib.suppress(FrameError):
                items = codec.decode(frame.data) if codec else [self.decode(frame.data)]
                for item in items:
                    if isinstance(item, Reply) and item.cmd_id == cmd_id and info is None:
                        info = self.band_info(item)
                        if status_wait_s <= 0:
                            return info
                        status = self.get_status(cmd_id + 1)
                        for chunk in codec.outgoing(status, transport.mtu) if codec else [status]:
                            await transport.send(chunk)
                        deadline = time.monotonic() + status_wait_s
                    elif isinstance(item, StatusReport) and info is not None:
                        return dataclasses.replace(info, battery_pct=item.battery_pct)
        if info is not None:
            return info
        raise LinkLost(f"{transport.description}: no answer to GET_INFO within {timeout_s:g} s")
