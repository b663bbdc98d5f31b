"""Pairing: the host remembers which band belongs to which leg of which subject.

``rls-monitor pair`` connects to a band once, asks for its identity (``GET_INFO``: device id,
serial number, firmware, model) and stores it in the database's devices table with the link
(``ble`` address or ``serial`` port), the leg side and the subject. From then on a night records
only from that band: a band at the paired address whose device id differs (a swapped band, another
device advertising our service) is refused by the session with a clear message, never mixed into
the subject's night.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rls_monitor.errors import ConfigError, check_option
from rls_monitor.link.transports.base import LinkConfig, TransportSpec, parse_transport_spec

__all__ = [
    "BandCheck",
    "PairedBand",
    "check_band",
    "default_db_path",
    "find_pairing",
    "pair_band",
    "pair_band_sync",
    "read_band_info",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairedBand:
    """A band the host knows.

    Attributes
    ----------
    kind : {"ble", "serial"}
        How it is reached.
    address : str
        BLE address (or per-host UUID on macOS), or serial port.
    device_id : str
        The stable id the band reports (``GET_INFO``); what a night is checked against.
    serial, firmware, model : str
        From the band's info.
    side : {"left", "right"}
        The leg it is worn on.
    subject : str
        Pseudonymous subject label.
    """

    kind: str
    address: str
    device_id: str
    side: str
    subject: str
    serial: str = ""
    firmware: str = ""
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return asdict(self)


def default_db_path() -> Path:
    """The default database file (the store's default location)."""
    from rls_monitor import storage

    return Path(storage.default_db_path())


async def read_band_info(
    spec: TransportSpec | str,
    *,
    backend: Any = None,
    config: LinkConfig | None = None,
    band: str = "rls",
) -> Any:
    """Connect to a band, read its identity, disconnect; return its :class:`BandInfo`.

    Over BLE the identity is read from the band's INFO characteristic; a link without one
    (serial, the Nordic UART Service) asks ``GET_INFO``, which answers with the same record. A
    vendor's device (``band`` ``"movesense"`` or ``"polar"``) is known by the serial number,
    model and firmware of its Device Information service.

    Raises
    ------
    DeviceNotFound, ConnectError, LinkLost
        The band could not be reached or did not answer.
    """
    from rls_monitor.link.drivers.base import (
        FIRMWARE_REVISION_UUID,
        MODEL_NUMBER_UUID,
        SERIAL_NUMBER_UUID,
        BandProtocolDriver,
        VendorDriver,
        decode_text,
    )
    from rls_monitor.link.drivers.families import make_driver
    from rls_monitor.link.transports.open import open_transport
    from rls_monitor.link.wire import BandInfo, Wire

    driver = make_driver(band)
    if isinstance(spec, str):
        spec = parse_transport_spec(spec)
    if band != "rls" and spec.kind != "ble":
        raise ConfigError(f"a {band} device is reached over BLE only", name="band")
    transport = open_transport(spec, backend=backend, config=config, profile=driver.profile)
    async with transport:
        if isinstance(driver, VendorDriver):
            serial = decode_text(await transport.read_characteristic(SERIAL_NUMBER_UUID))
            model = decode_text(await transport.read_characteristic(MODEL_NUMBER_UUID), band)
            firmware = decode_text(await transport.read_characteristic(FIRMWARE_REVISION_UUID))
            return BandInfo(
                device_id=driver.device_id_for(serial),
                serial=serial,
                firmware=firmware,
                model=model,
                fs_hz=0.0,
                lsb_g=0.0,
                tick_hz=0.0,
                frame_samples=1,
            )
        wire = driver.wire if isinstance(driver, BandProtocolDriver) else Wire()
        if band == "rls":
            record = await transport.read_info()
            if record is not None:
                return wire.decode_band_info(record)
            return await wire.request_info(transport, timeout_s=5.0)
        return await wire.request_info(transport, timeout_s=5.0, codec=driver)


@dataclass(frozen=True)
class BandCheck:
    """What a short connection to a band found (the Tonight page's Check).

    Attributes
    ----------
    device_id : str
        The id the band reports.
    battery_pct : float or None
        Its battery level (from the STATUS frame that follows its answer; ``None`` when none
        came).
    rssi_dbm : int or None
        Received signal strength of its advertising (BLE; ``None`` over a serial port, or when
        the scan did not hear it).
    answered_s : float
        Seconds from the request to the answer (connecting included).
    """

    device_id: str
    battery_pct: float | None
    rssi_dbm: int | None
    answered_s: float

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return asdict(self)


async def check_band(
    spec: TransportSpec | str,
    *,
    backend: Any = None,
    config: LinkConfig | None = None,
    scan_s: float = 2.0,
) -> BandCheck:
    """Connect to a band briefly, as :func:`pair_band` does: its identity, battery and signal.

    Over BLE the band's advertising is listened to first (``scan_s``) for its signal strength;
    then the band is asked ``GET_INFO`` (on every link: its answer is followed by a STATUS frame
    with the battery level) and the link is closed.

    Parameters
    ----------
    spec : TransportSpec or str
        ``"ble:ADDRESS"`` or ``"serial:PORT"``.
    backend : object, optional
        BLE backend classes (tests, simulation).
    config : LinkConfig, optional
        Link timeouts.
    scan_s : float
        How long to listen for the band's advertising over BLE, in seconds.

    Returns
    -------
    BandCheck

    Raises
    ------
    DeviceNotFound, ConnectError, LinkLost
        The band could not be reached or did not answer.
    """
    import time

    from rls_monitor.link.transports.open import open_transport
    from rls_monitor.link.wire import Wire

    if isinstance(spec, str):
        spec = parse_transport_spec(spec)
    rssi_dbm = None
    if spec.kind == "ble":
        from rls_monitor.link.transports.ble import scan

        heard = await scan(scan_s, backend=backend)
        rssi_dbm = next((b.rssi_dbm for b in heard if b.address == spec.target), None)
    started_s = time.monotonic()
    async with open_transport(spec, backend=backend, config=config) as transport:
        info = await Wire().request_info(transport, timeout_s=5.0, status_wait_s=1.0)
    return BandCheck(
        device_id=info.device_id,
        battery_pct=info.battery_pct,
        rssi_dbm=rssi_dbm,
        answered_s=round(time.monotonic() - started_s, 3),
    )


async def pair_band(
    db_path: str | Path,
    spec: TransportSpec | str,
    *,
    side: str,
    subject: str,
    backend: Any = None,
    config: LinkConfig | None = None,
    band: str = "rls",
) -> PairedBand:
    """Pair a band: read its identity and remember it with its leg side and subject.

    Parameters
    ----------
    db_path : path-like
        The database.
    spec : TransportSpec or str
        ``"ble:ADDRESS"`` or ``"serial:PORT"``.
    side : {"left", "right"}
        The leg.
    subject : str
        Pseudonymous subject label (created if new).
    backend : object, optional
        BLE backend classes (tests, simulation).
    config : LinkConfig, optional
        Link timeouts.
    band : {"rls", "movesense", "polar", "nus"}
        The device family (see :mod:`rls_monitor.link.drivers.families`).

    Returns
    -------
    PairedBand

    Raises
    ------
    ConfigError
        Bad side or empty subject, or a replay link.
    DeviceNotFound, ConnectError, LinkLost
        The band could not be reached.
    """
    from rls_monitor.storage import Store

    check_option("side", side, ("left", "right"))
    if not subject.strip():
        raise ConfigError("subject must be a non-empty label", name="subject", value=subject)
    if isinstance(spec, str):
        spec = parse_transport_spec(spec)
    if spec.kind not in ("ble", "serial"):
        raise ConfigError(f"only ble and serial bands can be paired; got {spec.kind}", name="spec")
    info = await read_band_info(spec, backend=backend, config=config, band=band)
    paired = PairedBand(
        kind=spec.kind,
        address=spec.target,
        device_id=info.device_id,
        side=side,
        subject=subject.strip(),
        serial=info.serial,
        firmware=info.firmware,
        model=info.model,
    )
    with Store(db_path) as store:
        _store_pairing(store, paired)
    log.info("paired %s %s as %s", spec.kind, spec.target, info.device_id)
    return paired


def pair_band_sync(db_path: str | Path, spec: TransportSpec | str, **kwargs: Any) -> PairedBand:
    """:func:`pair_band` for callers without an event loop."""
    return asyncio.run(pair_band(db_path, spec, **kwargs))


def _store_pairing(store: Any, paired: PairedBand) -> None:
    """Remember a pairing in the devices table (schema 4): keyed by the link address, with the
    band's device id, serial, model and firmware, the leg side and the subject."""
    store.set_pairing(
        paired.address,
        device_id=paired.device_id,
        side=paired.side,
        subject=paired.subject,
        serial=paired.serial,
        model=paired.model,
        firmware=paired.firmware,
    )


def find_pairing(store: Any, spec: TransportSpec | str) -> PairedBand | None:
    """The pairing of the band at a link address, or ``None`` when it was never paired.

    Parameters
    ----------
    store : rls_monitor.storage.Store
        The open store.
    spec : TransportSpec or str
        ``"ble:ADDRESS"`` or ``"serial:PORT"``.

    Returns
    -------
    PairedBand or None
        With the subject, serial and model kept at pairing (empty for a band paired before
        schema 4, whose device id was kept as the device's name).
    """
    if isinstance(spec, str):
        spec = parse_transport_spec(spec)
    row = store.get_device(spec.target)
    if row is None:
        return None
    device_id = str(row.get("device_id") or row.get("name") or "")
    if not device_id:
        return None
    return PairedBand(
        kind=spec.kind,
        address=spec.target,
        device_id=device_id,
        side=str(row.get("side") or "unknown"),
        subject=str(row.get("subject") or ""),
        serial=str(row.get("serial") or ""),
        firmware=str(row.get("firmware") or ""),
        model=str(row.get("model") or ""),
    )
