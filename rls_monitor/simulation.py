"""Simulated set-ups wired end to end: simulated bands, their links and whole nights recorded from them.

Used by the tests, the CLI's ``record --simulate`` and ``make demo``: :func:`simulated_sources`
builds the simulated bands of a night, :func:`build_simulated_links` puts them behind a
transport (the simulated BLE air through bleak's ``backend=`` hook, a pseudo-terminal, or
in-process), and :func:`record_simulated_night` records such a night into the store.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConfigError,
    check_option,
)
from rls_monitor.link.band_session import SessionConfig, with_rules
from rls_monitor.link.clock import SessionClock
from rls_monitor.link.transports.base import (
    Transport,
)
from rls_monitor.nights.recorder import (
    BandLink,
    NightRecorder,
    NightResult,
    StatusCallback,
    StopSignal,
)

SIM_FS_HZ = 50.0
#: The device families a simulated night can be recorded from (``record --simulate --band``).
SIM_BANDS = ("rls", "movesense", "polar", "nus")
#: The rate of a simulated vendor sensor's night (52 Hz, both Movesense's and Polar's default).
VENDOR_FS_HZ = 52.0
#: Local time at which a simulated night starts (the evening of its date).
SIM_BEDTIME = time(22, 30)
#: The shortest simulated night the signal model makes (a prelude, a bed span, a morning).
SIM_MIN_DURATION_S = 120.0


def max_simulated_duration_s(fs_hz: float = SIM_FS_HZ) -> float:
    """The longest night the simulated band can record: what its flash ring holds at ``fs_hz``.

    A band keeps its night in a flash ring (:data:`firmware_host.band.DEFAULT_FLASH_BYTES`, 6
    bytes a sample: 31 h at 50 Hz); a longer night would overwrite its own first hours before a
    host could fetch them after a lost link, so no night is longer.
    """
    from firmware_host.band import DEFAULT_FLASH_BYTES
    from firmware_host.protocol import SAMPLE_BYTES

    return (DEFAULT_FLASH_BYTES // SAMPLE_BYTES) / float(fs_hz)


def check_simulated_duration(duration_s: float | None, fs_hz: float = SIM_FS_HZ) -> float:
    """The length of a simulated night (default 8 h), refused outside what a band can record.

    Raises
    ------
    ConfigError
        Not a number, shorter than :data:`SIM_MIN_DURATION_S`, or longer than
        :func:`max_simulated_duration_s`.
    """
    dur = 8 * 3600.0 if duration_s is None else float(duration_s)
    longest = max_simulated_duration_s(fs_hz)
    if not math.isfinite(dur) or dur < SIM_MIN_DURATION_S:
        raise ConfigError(
            f"a simulated night lasts at least {SIM_MIN_DURATION_S:g} s; got {duration_s!r}",
            name="duration_s",
            value=duration_s,
        )
    if dur > longest:
        raise ConfigError(
            f"a simulated night of {dur:g} s is longer than the band's flash holds "
            f"({longest:.0f} s = {longest / 3600:.1f} h at {fs_hz:g} Hz): a band records at "
            "most that much of one night",
            name="duration_s",
            value=duration_s,
        )
    return dur


def next_evening(starts_utc: list[datetime], *, today: date | None = None) -> datetime:
    """When the next simulated night starts: the evening after the last of ``starts_utc``.

    Nights follow one another at :data:`SIM_BEDTIME` local time (this computer's zone): the
    evening after the local date of the latest start (a start after midnight belongs to the
    evening before), or this evening when there is none.

    Parameters
    ----------
    starts_utc : list of datetime
        Start times of the nights already stored (aware, or naive UTC).
    today : date, optional
        This evening's date (default: today's local date).

    Returns
    -------
    datetime
        The start, aware, in UTC.

    Examples
    --------
    >>> from datetime import datetime, date, UTC
    >>> a = next_evening([], today=date(2026, 12, 7))
    >>> b = next_evening([a], today=date(2026, 12, 7))
    >>> (b - a).days, b.astimezone().strftime("%H:%M")
    (1, '22:30')
    """
    known = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in starts_utc]
    if known:
        last = max(known).astimezone()  # local time
        evening = (last - timedelta(hours=12)).date() + timedelta(days=1)
    else:
        evening = today or datetime.now().astimezone().date()
    local = datetime.combine(evening, SIM_BEDTIME).astimezone()  # this computer's zone
    return local.astimezone(UTC)


SIM_ADDRESSES = {
    "left": "C0:FF:EE:00:00:01",
    "right": "C0:FF:EE:00:00:02",
    "unknown": "C0:FF:EE:00:00:01",
}


@dataclass
class SimulatedSetup:
    """Simulated bands ready to be recorded: their drivers, links and the host clock."""

    drivers: dict[str, Any]
    links: list[BandLink]
    clock: SessionClock
    cleanup: list[Callable[[], None]]
    sources: dict[str, Any]


def simulated_sources(
    source: str | Path | None,
    *,
    duration_s: float | None,
    bilateral: bool,
    seed: int,
    fs_hz: float = SIM_FS_HZ,
) -> dict[str, tuple[NDArray[np.int16], float, float]]:
    """Sample sources of simulated bands: side -> (int16 counts (n, 3), lsb_g, fs_hz).

    Parameters
    ----------
    source : path-like or None
        A recording file the band plays (any format :func:`~rls_monitor.recording.read_recording`
        reads; its acceleration is quantised to the band's counts), or ``None`` for a simulated
        ordinary night from :mod:`firmware_host.signal_model`.
    duration_s : float or None
        Length of a simulated night (default 8 h); ignored with a file.
    bilateral : bool
        Two bands, left and right (simulated nights only).
    seed : int
        Seed of the simulated night.
    fs_hz : float
        Sample rate of a simulated night, Hz.
    """
    if source is not None:
        if bilateral:
            raise ConfigError(
                "--bilateral simulates two bands; it cannot play one FILE", name="bilateral"
            )
        from rls_monitor.recording import read_recording

        rec = read_recording(Path(source))
        counts, lsb_g, _exact = rec.to_counts()
        return {rec.side if rec.side != "unknown" else "left": (counts, lsb_g, rec.fs_hz)}
    streams = simulated_streams(
        None, duration_s=duration_s, bilateral=bilateral, seed=seed, fs_hz=fs_hz
    )
    return {side: (src[0 : len(src)], lsb, rate) for side, (src, lsb, rate) in streams.items()}


def simulated_streams(
    source: str | Path | None,
    *,
    duration_s: float | None,
    bilateral: bool,
    seed: int,
    fs_hz: float = SIM_FS_HZ,
) -> dict[str, tuple[Any, float, float]]:
    """The sources of :func:`simulated_sources`, a simulated night as a stream rendered on demand.

    Returns side -> (source, lsb_g, fs_hz): for a simulated night the source is a
    :class:`firmware_host.signal_model.BandStream` (``len()``, ``source[a:b]``: the same samples
    as :func:`simulated_sources`, a window in memory at a time, so a band starts sending at once
    and its memory does not grow with the night's length); for a file, its counts.
    """
    if source is not None:
        return dict(
            simulated_sources(
                source, duration_s=duration_s, bilateral=bilateral, seed=seed, fs_hz=fs_hz
            )
        )
    from firmware_host import signal_model

    dur = check_simulated_duration(duration_s, fs_hz)
    config = signal_model.night_config("ordinary", duration_s=dur, fs_hz=fs_hz)
    if bilateral:
        left, right = signal_model.stream_bilateral_night(config, seed=seed)
        return {
            "left": (left, left.lsb_g, left.fs_hz),
            "right": (right, right.lsb_g, right.fs_hz),
        }
    night = signal_model.stream_night(config, seed=seed)
    return {"left": (night, night.lsb_g, night.fs_hz)}


def simulated_recording(
    *,
    duration_s: float | None = None,
    seed: int = 0,
    start_utc: datetime | None = None,
    fs_hz: float = SIM_FS_HZ,
) -> Any:
    """A simulated ordinary night as a :class:`~rls_monitor.recording.Recording` (left ankle).

    The same night ``record --simulate --seed SEED`` records (:mod:`firmware_host.signal_model`),
    as a file would hold it: what ``rls-monitor simulate`` writes for ``score`` and ``import``.

    Parameters
    ----------
    duration_s : float, optional
        Length (default 8 h; see :func:`check_simulated_duration`).
    seed : int
        Seed of the night.
    start_utc : datetime, optional
        Its start (default: yesterday evening at :data:`SIM_BEDTIME` local time).
    fs_hz : float
        Sample rate, Hz.

    Returns
    -------
    rls_monitor.recording.Recording
    """
    from rls_monitor.recording import Recording

    counts, lsb_g, rate = simulated_sources(
        None, duration_s=duration_s, bilateral=False, seed=seed, fs_hz=fs_hz
    )["left"]
    if start_utc is None:
        yesterday = datetime.now().astimezone().date() - timedelta(days=1)
        start_utc = next_evening([], today=yesterday)
    return Recording.from_counts(
        counts,
        lsb_g,
        rate,
        side="left",
        device_id="SIM-LEFT-0001",
        start_utc=start_utc,
        metadata={"simulated": f"firmware_host.signal_model ordinary night, seed {seed}"},
    )


async def record_simulated_night_async(
    db_path: str | Path,
    *,
    source: str | Path | None = None,
    duration_s: float | None = None,
    speed: float = math.inf,
    link: str = "ble",
    bilateral: bool = False,
    seed: int = 0,
    rules: str = "wasm2016",
    subject: str | None = None,
    config: SessionConfig | None = None,
    faults: Callable[[str, Any], None] | None = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
    fs_hz: float = SIM_FS_HZ,
    on_device: bool = False,
    setup: SimulatedSetup | None = None,
    start_utc: datetime | None = None,
    band: str = "rls",
) -> NightResult:
    """Record a simulated band (or two) through a real link into the store, end to end.

    The band runs :class:`firmware_host.band.SimulatedBand` in simulated time at ``speed``; the
    host reaches it through bleak (``link="ble"``: the simulated backend) or pyserial on a
    pseudo-terminal (``link="serial"``). The night ends when the band has played its whole
    source and every frame is stored (or when ``stop`` is set).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    source : path-like, optional
        A recording the band plays; default a simulated ordinary night.
    duration_s : float, optional
        Length of a simulated night in seconds (default 8 h).
    speed : float
        Simulated seconds per real second (``math.inf``: as fast as possible).
    link : {"ble", "serial"}
        The link.
    bilateral : bool
        Two bands, left and right leg.
    seed : int
        Seed of the simulated night.
    rules : {"wasm2016", "aasm"}
        Rule set.
    subject : str, optional
        Subject label (default ``"simulated"``).
    config : SessionConfig, optional
        Policies.
    faults : callable, optional
        ``faults(side, band)`` is called once per band before the night starts, to configure
        fault injection on the band (tests).
    stop : asyncio.Event, optional
        Ends the night early.
    on_status : callable, optional
        Live status callback.
    fs_hz : float
        Sample rate of a simulated night, Hz (ignored with a file).
    on_device : bool
        Events mode: the band runs its integer pipeline and sends only events and per-minute
        summaries; the night is scored from them (one band).
    setup : SimulatedSetup, optional
        Bands already built by :func:`build_simulated_links` (a test that later syncs the same
        band); the source options are then ignored and the caller cleans up.
    start_utc : datetime, optional
        When the night starts (default: the evening after the store's last night).
    band : {"rls", "movesense", "polar", "nus"}
        The device family (see :func:`build_simulated_links`); a vendor's simulated night is
        at :data:`VENDOR_FS_HZ` unless ``fs_hz`` is given otherwise.

    Returns
    -------
    NightResult
    """
    check_option("link", link, ("ble", "serial"))
    check_option("band", band, SIM_BANDS)
    if band in ("movesense", "polar") and fs_hz == SIM_FS_HZ:
        fs_hz = VENDOR_FS_HZ
    cfg = with_rules(config, rules)
    own_setup = setup is None
    if setup is None and source is None:
        check_simulated_duration(duration_s, fs_hz)  # before the store is created
    stop = stop or StopSignal()
    from rls_monitor.storage import Store

    with Store(db_path) as store:
        if setup is None:
            if start_utc is None:
                start_utc = next_evening(
                    [n.start_utc for n in store.list_nights() if n.start_utc is not None]
                )
            sources = simulated_streams(
                source, duration_s=duration_s, bilateral=bilateral, seed=seed, fs_hz=fs_hz
            )
            setup = build_simulated_links(
                sources,
                speed=speed,
                link=link,
                config=cfg,
                faults=faults,
                epoch=start_utc,
                band=band,
            )
        try:
            recorder = NightRecorder(
                store,
                setup.links,
                config=cfg,
                clock=setup.clock,
                subject=subject or "simulated",
                on_status=on_status,
                start="oldest",
                on_device=on_device,
            )
            watcher = asyncio.get_running_loop().create_task(
                _stop_when_played(recorder, setup, stop)
            )
            try:
                return await recorder.run(stop)
            finally:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
        finally:
            if own_setup:
                for close in setup.cleanup:
                    close()


def record_simulated_night(
    db_path: str | Path,
    *,
    duration_s: float | None = None,
    speed: float | str = "max",
    link: str = "serial",
    seed: int = 0,
    **kwargs: Any,
) -> int:
    """Record a simulated night end to end and return its night id (``make demo`` calls this).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    duration_s : float, optional
        Night length in seconds (default 8 h).
    speed : float or "max"
        Simulated seconds per real second.
    link : {"serial", "ble"}
        A pseudo-terminal serial link (default) or the simulated BLE backend.
    seed : int
        Seed of the night.
    **kwargs
        Passed to :func:`record_simulated_night_async`.

    Returns
    -------
    int
        The stored night's id.
    """
    speed_x = math.inf if speed == "max" else float(speed)
    result = asyncio.run(
        record_simulated_night_async(
            db_path, duration_s=duration_s, speed=speed_x, link=link, seed=seed, **kwargs
        )
    )
    return result.night_id


def build_simulated_links(
    sources: dict[str, tuple[Any, float, float]],
    *,
    speed: float,
    link: str,
    config: SessionConfig,
    faults: Callable[[str, Any], None] | None = None,
    epoch: datetime | None = None,
    band: str | dict[str, str] = "rls",
) -> SimulatedSetup:
    """Simulated bands for ``sources`` behind real links (bleak backend or pty serial).

    ``epoch`` is the true UTC at which the bands are switched on (default: the transport's fixed
    :data:`~rls_monitor.link.transports.simulated.DEFAULT_EPOCH`, for tests). ``band`` is the
    device family (:data:`SIM_BANDS`): our band, a Movesense or Polar sensor speaking its
    vendor's protocol (:mod:`firmware_host.devices`), or our band over the Nordic UART Service;
    all but our band are reached over BLE only. A dict gives each side its own family (one leg
    a Movesense, the other a Polar, scored bilaterally).

    Returns
    -------
    SimulatedSetup
        Drivers per side, the host's links, the simulated host clock, and clean-up callables.
    """
    from firmware_host.band import SimulatedBand
    from rls_monitor.link.transports.simulated import (
        DEFAULT_EPOCH,
        BandDriver,
        NusBandPeripheral,
        PtyBand,
        SimulatedBandPeripheral,
    )

    families = band if isinstance(band, dict) else dict.fromkeys(sources, band)
    for family in families.values():
        check_option("band", family, SIM_BANDS)
        if family != "rls" and link != "ble":
            raise ConfigError(f"a simulated {family} band is reached over BLE only", name="link")
    drivers: dict[str, Any] = {}
    links: list[BandLink] = []
    cleanup: list[Callable[[], None]] = []
    air: Any = None
    for n, (side, (counts, lsb_g, fs_hz)) in enumerate(sources.items()):
        family = families[side]
        if family in ("movesense", "polar"):
            from firmware_host.ble_air import SimAir

            air = air or SimAir()
            night, vendor_link = _vendor_link(
                family, side, n, (counts, lsb_g, fs_hz), air, config, epoch or DEFAULT_EPOCH, speed
            )
            if faults is not None:
                faults(side, night)
            drivers[side] = night
            links.append(vendor_link)
            continue
        band_model = SimulatedBand(
            counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id=f"SIM-{side.upper()}-{n + 1:04d}"
        )
        if faults is not None:
            faults(side, band_model)
        driver = (
            BandDriver(band_model, speed=speed)
            if epoch is None
            else BandDriver(band_model, speed=speed, epoch=epoch)
        )
        drivers[side] = driver
        if link == "ble":
            from firmware_host.ble_air import SimAir
            from rls_monitor.link.transports.ble import BleTransport

            if air is None:
                air = SimAir()
            if family == "nus":
                from rls_monitor.link.drivers.nus import NusDriver

                nus_driver = NusDriver()
                peripheral: Any = NusBandPeripheral(driver, address=f"C0:FF:EE:00:0E:0{n + 1}")
                air.add(peripheral)
                transport: Transport = BleTransport(
                    peripheral.address,
                    backend=air.backend,
                    config=config.link,
                    profile=nus_driver.profile,
                )
                links.append(
                    BandLink(
                        transport, side=side, device_id=band_model.device_id, driver=nus_driver
                    )
                )
                continue
            peripheral = SimulatedBandPeripheral(driver, address=SIM_ADDRESSES[side])
            air.add(peripheral)
            transport = BleTransport(peripheral.address, backend=air.backend, config=config.link)
        else:
            from rls_monitor.link.transports.serial_port import SerialTransport

            pty = PtyBand(driver).start()
            cleanup.append(pty.stop)
            transport = SerialTransport(pty.port, config=config.link)
        links.append(BandLink(transport, side=side, device_id=band_model.device_id))
    first = next(iter(drivers.values()))
    return SimulatedSetup(
        drivers=drivers,
        links=links,
        clock=SessionClock(first.now_unix_s),
        cleanup=cleanup,
        sources={side: src[0] for side, src in sources.items()},
    )


def _vendor_link(
    family: str,
    side: str,
    n: int,
    source: tuple[Any, float, float],
    air: Any,
    config: SessionConfig,
    epoch: datetime,
    speed: float,
) -> tuple[Any, BandLink]:
    """A simulated vendor sensor in ``air`` and the host's link to it through its driver."""
    from firmware_host.devices.movesense import MovesensePeripheral
    from firmware_host.devices.polar import PolarPeripheral
    from firmware_host.devices.sensor import SensorNight
    from rls_monitor.link.drivers.families import make_driver
    from rls_monitor.link.transports.ble import BleTransport

    counts, lsb_g, fs_hz = source
    night = SensorNight(
        counts, lsb_g=lsb_g, fs_hz=fs_hz, speed=speed, epoch_unix_s=epoch.timestamp()
    )
    peripheral: Any
    if family == "movesense":
        peripheral = MovesensePeripheral(
            night, address=f"0C:8C:DC:00:00:0{n + 1}", serial=f"22343000010{n + 1}"
        )
    else:
        peripheral = PolarPeripheral(
            night,
            epoch_unix_s=epoch.timestamp(),
            address=f"A0:9E:1A:00:00:0{n + 1}",
            serial=f"B5A73F2{n + 1}",
        )
    air.add(peripheral)
    driver = make_driver(family)
    transport = BleTransport(
        peripheral.address, backend=air.backend, config=config.link, profile=driver.profile
    )
    device_id = f"{family}-{peripheral.serial}"
    return night, BandLink(transport, side=side, device_id=device_id, driver=driver)


async def _stop_when_played(
    recorder: NightRecorder, setup: SimulatedSetup, stop: asyncio.Event
) -> None:
    """End a simulated night once every band played its source and every frame is stored."""
    while not stop.is_set():
        await asyncio.sleep(0.05)
        done = True
        for session in recorder.sessions:
            driver = setup.drivers[session.side]
            if session.vendor is not None:
                # a vendor's sensor: every sample made, and the host has taken them all in
                stored = session.next_sample
                await asyncio.sleep(0.05)
                if not (driver.finished and session.next_sample == stored and stored > 0):
                    done = False
                    break
                continue
            band = driver.band
            if session.on_device:
                total = len(band.event_frames)
                played = driver.finished and getattr(band, "_events", None) is None
            else:
                total = band.frames_total
                played = driver.finished
            if not played or session.tracker.next_seq < total:
                done = False
                break
        if done:
            stop.set()
