"""Recording and syncing a night with the paired band(s): the entry points the CLI's ``record`` and
``sync`` commands use (:func:`record_night_async`, :func:`sync_night_async`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rls_monitor.errors import (
    ConfigError,
    DeviceNotFound,
)
from rls_monitor.link.band_session import SessionConfig, with_rules
from rls_monitor.nights.recorder import BandLink, NightRecorder, NightResult, StatusCallback


async def record_night_async(
    db_path: str | Path,
    specs: list[str],
    *,
    rules: str = "wasm2016",
    subject: str | None = None,
    require_pairing: bool = True,
    config: SessionConfig | None = None,
    backend: Any = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
    start: str = "live",
    on_device: bool = False,
    bands: list[str] | None = None,
) -> NightResult:
    """Record a night from one or two real bands until ``stop`` is set (Ctrl-C in the CLI).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    specs : list of str
        One or two links, ``"ble:ADDRESS"`` or ``"serial:PORT"``.
    rules : {"wasm2016", "aasm"}
        Rule set of the live and final scores.
    subject : str, optional
        Subject label (default: the pairing's).
    require_pairing : bool
        Refuse bands that are not paired (default). Without a pairing the band's device id is
        taken as it answers.
    config : SessionConfig, optional
        Policies (``rules`` overrides its rule set).
    backend : object, optional
        BLE backend classes (tests and simulations).
    stop : asyncio.Event, optional
        Set it to end the night.
    on_status : callable, optional
        Live status callback.
    start : {"live", "oldest"}
        Start a new night at the band's next frame (default) or at the oldest in its flash.
    on_device : bool
        Events mode: the band detects leg movements itself and sends EVENT/SUMMARY frames; the
        night is scored from them (marked as scored on the band) and its raw samples stay in
        the band's flash for a later :func:`sync_night_async` (one band).
    bands : list of str, optional
        The device family of each spec (``"rls"``, ``"movesense"``, ``"polar"``, ``"nus"``);
        default: what each pairing's device id says (``"rls"`` without a pairing).

    Returns
    -------
    NightResult

    Raises
    ------
    DeviceNotFound
        A band is not paired (with ``require_pairing``), or not found.
    DeviceMismatch
        A band answered with another device id than its pairing.
    ConnectError, ConfigError
    """
    from rls_monitor.link.drivers.families import family_of_device_id, make_driver
    from rls_monitor.link.pairing import find_pairing
    from rls_monitor.link.transports import open_transport, parse_transport_spec
    from rls_monitor.storage import Store

    cfg = with_rules(config, rules)
    with Store(db_path) as store:
        links: list[BandLink] = []
        for i, text in enumerate(specs):
            spec = parse_transport_spec(text)
            paired = find_pairing(store, spec)
            if paired is None and require_pairing:
                raise DeviceNotFound(
                    f"{spec.kind} {spec.target} is not a paired band: pair it first "
                    f"('rls-monitor pair --{spec.kind} {spec.target} --side left|right "
                    "--subject LABEL')"
                )
            family = (
                bands[i] if bands else (family_of_device_id(paired.device_id) if paired else "rls")
            )
            driver = make_driver(family)
            if family != "rls" and spec.kind != "ble":
                raise ConfigError(f"a {family} device is reached over BLE only", name="band")
            links.append(
                BandLink(
                    open_transport(spec, backend=backend, config=cfg.link, profile=driver.profile),
                    side=paired.side if paired else ("left" if not links else "right"),
                    device_id=paired.device_id if paired else None,
                    driver=driver,
                )
            )
            if subject is None and paired is not None and paired.subject:
                subject = paired.subject
        recorder = NightRecorder(
            store,
            links,
            config=cfg,
            subject=subject,
            on_status=on_status,
            start=start,
            on_device=on_device,
        )
        return await recorder.run(stop)


async def sync_night_async(
    db_path: str | Path,
    spec: str,
    *,
    rules: str = "wasm2016",
    require_pairing: bool = True,
    config: SessionConfig | None = None,
    backend: Any = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
    band: str = "rls",
) -> NightResult:
    """Download the night a band recorded alone (host absent) and store it as if streamed.

    The band is asked for everything in its flash from the night's first frame; the session
    ends when the band says there is no more (or the stop event is set). Resend, ordering and
    duplicate handling are those of a live night; a sync interrupted half-way continues from
    the last stored frame the next time.

    Parameters and return value are those of :func:`record_night_async` (one band; ``band``
    its family: ``"rls"``, or ``"nus"`` for our band on the Nordic UART Service; a vendor's
    device keeps no night to download and is refused).
    """
    from rls_monitor.link.drivers.families import make_driver
    from rls_monitor.link.pairing import find_pairing
    from rls_monitor.link.transports import open_transport, parse_transport_spec
    from rls_monitor.storage import Store

    cfg = with_rules(config, rules)
    parsed = parse_transport_spec(spec)
    with Store(db_path) as store:
        paired = find_pairing(store, parsed)
        if paired is None and require_pairing:
            raise DeviceNotFound(
                f"{parsed.kind} {parsed.target} is not a paired band: pair it first"
            )
        driver = make_driver(band)
        link = BandLink(
            open_transport(parsed, backend=backend, config=cfg.link, profile=driver.profile),
            side=paired.side if paired else "unknown",
            device_id=paired.device_id if paired else None,
            driver=driver,
        )
        recorder = NightRecorder(
            store,
            [link],
            config=cfg,
            subject=(paired.subject or None) if paired else None,
            sync_to_end=True,
            on_status=on_status,
            start="oldest",
        )
        return await recorder.run(stop)
