"""``rls-monitor record``, ``scan``, ``pair`` and ``sync``: the commands that talk to bands.

Each command parses its options and calls one function of :mod:`rls_monitor.nights.record` (or :mod:`rls_monitor.simulation`) or
:mod:`rls_monitor.pairing`; the live status line (rich) and the morning summary are printed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from rls_monitor.cli.common import db_option, echo_json, open_store, rules_option
from rls_monitor.errors import ConfigError

__all__ = ["pair_command", "record_command", "scan_command", "sync_command"]

SPEED_HELP = "Simulation speed: a factor of real time (e.g. 60) or 'max' (as fast as possible)."


def _db_path(db_path: Path | None) -> Path:
    """The ``--db`` file, else the default (``$RLS_MONITOR_DB`` is read by the option itself)."""
    if db_path is not None:
        return db_path
    from rls_monitor.storage import default_db_path

    return default_db_path()


def _parse_speed(text: str) -> float:
    if text.strip().lower() == "max":
        return float("inf")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(
            f"--speed must be a positive number or 'max'; got {text!r}", name="--speed", value=text
        )
    return value


def _run(coro: Any) -> Any:
    """Run a coroutine; Ctrl-C (SIGINT) and SIGTERM set the session's stop event instead of
    killing it, so the night ends cleanly."""

    async def main() -> Any:
        from rls_monitor.nights.recorder import StopSignal

        stop = StopSignal()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        try:
            return await coro(stop)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(sig)

    return asyncio.run(main())


class _StatusLine:
    """The live status fed by the session's status callback.

    On a terminal, one rich line rewritten in place. In a pipe or a log (standard error not a
    terminal), plain lines instead: the first update, then at most one every ``interval_s``
    seconds, and the last one when the night ends, each ended by a newline.
    """

    def __init__(self, enabled: bool, *, interval_s: float = 60.0) -> None:
        self.enabled = enabled
        self.interval_s = interval_s
        self._live: Any = None
        self._plain = False
        self._last_line: str | None = None
        self._printed: str | None = None
        self._last_s = -math.inf

    def __enter__(self) -> _StatusLine:
        if not self.enabled:
            return self
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                "", console=Console(stderr=True), refresh_per_second=4, transient=False
            )
            self._live.__enter__()
        else:
            self._plain = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
        elif self._plain and self._last_line is not None and self._last_line != self._printed:
            click.echo(self._last_line, err=True)

    def update(self, status: Any) -> None:
        if self._live is None and not self._plain:
            return
        from rls_monitor.nights.status import format_status_line

        line = format_status_line(status)
        if self._live is not None:
            self._live.update(line)
            return
        self._last_line = line
        now = time.monotonic()
        if now - self._last_s >= self.interval_s:
            self._last_s = now
            self._printed = line
            click.echo(line, err=True)


def _print_summary(result: Any, db_path: Path, as_json: bool) -> None:
    """The end of a recording: what the link went through, then the morning summary ``show``
    prints (the same function, the same words and numbers)."""
    from rls_monitor.nights.status import format_link_report

    if as_json:
        payload: dict[str, Any] = {"night": result.night_id, "resumed": result.resumed}
        payload["link"] = result.link_report()
        if result.score is not None:
            payload["score"] = result.score.to_dict()
        echo_json(payload)
        return
    click.echo(format_link_report(result))
    if result.score is None:
        return
    from rls_monitor.nights.summary import format_night

    with open_store(db_path, create=False, readonly=True) as store:
        click.echo("")
        click.echo(format_night(store, result.night_id))


BAND_FAMILIES = ["rls", "movesense", "polar", "nus"]
BAND_HELP = (
    "Device family: our band (rls), a Movesense sensor or a Polar Verity Sense / H10 speaking "
    "its vendor's protocol, or a home-made band on the Nordic UART Service (nus); all but rls "
    "over BLE only. Default: what the pairing says (rls without one); with --simulate, rls."
)


def band_option(families: list[str], default: str | None, text: str) -> Any:
    """The ``--band`` option: a device family among ``families``."""
    return click.option(
        "--band",
        "band",
        type=click.Choice(families),
        default=default,
        show_default=default is not None,
        help=text,
    )


@click.command("record")
@click.option(
    "--ble",
    "ble",
    multiple=True,
    metavar="ADDRESS",
    help="BLE address of a paired band (twice for left and right).",
)
@click.option(
    "--serial",
    "serial_port",
    multiple=True,
    metavar="PORT",
    help="Serial port of a paired band (twice for two bands).",
)
@click.option(
    "--simulate",
    "simulate",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Record a simulated band: an ordinary simulated night, or FILE (a recording) played by the band.",
)
@click.option("--speed", default="1", show_default=True, help=SPEED_HELP)
@click.option(
    "--duration",
    "duration_s",
    type=float,
    default=None,
    help="Simulated night length in seconds (without FILE; default 8 h; 120 s to 31 h, what "
    "the band's flash holds).",
)
@click.option(
    "--link",
    "link",
    type=click.Choice(["ble", "serial"]),
    default="ble",
    show_default=True,
    help="Simulated link: bleak backend or a pseudo-terminal serial port.",
)
@band_option(BAND_FAMILIES, None, BAND_HELP)
@click.option("--bilateral", is_flag=True, help="Simulate two bands, left and right leg.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulated night.")
@click.option(
    "--subject", default=None, help="Subject label of the night (default: the band's pairing)."
)
@rules_option
@click.option("--unpaired", is_flag=True, help="Accept a band that is not paired (not advised).")
@click.option(
    "--on-device",
    "on_device",
    is_flag=True,
    help="Events mode: the band detects leg movements itself and sends only events and "
    "per-minute summaries (far less radio); the night is scored from them, and "
    "'rls-monitor sync' later downloads its raw samples for a rescore on the host.",
)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the morning summary as JSON.")
@click.option("--quiet", is_flag=True, help="No live status line.")
def record_command(
    ble: tuple[str, ...],
    serial_port: tuple[str, ...],
    simulate: str | None,
    speed: str,
    duration_s: float | None,
    link: str,
    band: str | None,
    bilateral: bool,
    seed: int,
    subject: str | None,
    rules: str,
    unpaired: bool,
    on_device: bool,
    db_path: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Record a night from a paired band (or two) and print the morning summary.

    Press Ctrl-C in the morning: the night ends cleanly, is scored and stored. A link lost during
    the night is reconnected; the band resends what was missed from its flash. A night
    interrupted by a crash is continued by the next 'record' of the same band.
    """
    from rls_monitor.nights.record import record_night_async
    from rls_monitor.simulation import record_simulated_night_async

    chosen = sum(bool(x) for x in (ble, serial_port, simulate is not None))
    if chosen != 1:
        raise click.UsageError(
            "give exactly one of --ble ADDRESS, --serial PORT or --simulate [FILE]"
        )
    speed_x = _parse_speed(speed)
    db_path = _db_path(db_path)
    with _StatusLine(enabled=not quiet and not as_json) as line:
        if simulate is not None:
            source = Path(simulate) if simulate else None
            result = _run(
                lambda stop: record_simulated_night_async(
                    db_path,
                    source=source,
                    duration_s=duration_s,
                    speed=speed_x,
                    link=link,
                    band=band or "rls",
                    bilateral=bilateral,
                    seed=seed,
                    rules=rules,
                    subject=subject,
                    stop=stop,
                    on_status=line.update,
                    on_device=on_device,
                )
            )
        else:
            specs = [f"ble:{a}" for a in ble] + [f"serial:{p}" for p in serial_port]
            result = _run(
                lambda stop: record_night_async(
                    db_path,
                    specs,
                    rules=rules,
                    subject=subject,
                    require_pairing=not unpaired,
                    stop=stop,
                    on_status=line.update,
                    on_device=on_device,
                    bands=[band] * len(specs) if band else None,
                )
            )
    _print_summary(result, db_path, as_json)


@click.command("sync")
@band_option(
    ["rls", "nus"], "rls", "Our band on its own service (rls) or on the Nordic UART Service (nus)."
)
@click.option(
    "--ble", "ble", default=None, metavar="ADDRESS", help="BLE address of the paired band."
)
@click.option(
    "--serial", "serial_port", default=None, metavar="PORT", help="Serial port of the band."
)
@rules_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No live status line.")
def sync_command(
    band: str,
    ble: str | None,
    serial_port: str | None,
    rules: str,
    db_path: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Download a night the band recorded alone (host absent) and store it as if streamed."""
    from rls_monitor.nights.record import sync_night_async

    if bool(ble) == bool(serial_port):
        raise click.UsageError("give exactly one of --ble ADDRESS or --serial PORT")
    spec = f"ble:{ble}" if ble else f"serial:{serial_port}"
    path = _db_path(db_path)
    with _StatusLine(enabled=not quiet and not as_json) as line:
        result = _run(
            lambda stop: sync_night_async(
                path, spec, rules=rules, stop=stop, on_status=line.update, band=band
            )
        )
    _print_summary(result, path, as_json)


@click.command("scan")
@click.option(
    "--timeout", "timeout_s", type=float, default=5.0, show_default=True, help="Seconds to listen."
)
@click.option("--json", "as_json", is_flag=True, help="Print the bands found as JSON.")
def scan_command(timeout_s: float, as_json: bool) -> None:
    """List the bands nearby that the host can record: ours, Movesense, Polar, Nordic UART."""
    from rls_monitor.link.drivers.families import family_of_services, service_uuids
    from rls_monitor.link.transports import ble

    bands = asyncio.run(ble.scan(timeout_s, service_uuids=list(service_uuids().values())))
    families = [family_of_services(list(b.service_uuids)) or "?" for b in bands]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"address": b.address, "name": b.name, "rssi_dbm": b.rssi_dbm, "family": f}
                    for b, f in zip(bands, families, strict=True)
                ],
                indent=2,
            )
        )
        return
    if not bands:
        click.echo(
            f"No band found in {timeout_s:g} s (is it charged and awake, and not connected to another host?)"
        )
        return
    for b, family in zip(bands, families, strict=True):
        click.echo(f"{b.address}  {b.name or '(no name)':<20} {b.rssi_dbm:4d} dBm  {family}")


@click.command("pair")
@band_option(BAND_FAMILIES, "rls", BAND_HELP)
@click.option(
    "--ble",
    "ble",
    default=None,
    metavar="ADDRESS",
    help="BLE address of the band (see 'rls-monitor scan').",
)
@click.option(
    "--serial", "serial_port", default=None, metavar="PORT", help="Serial port of the band."
)
@click.option(
    "--side",
    type=click.Choice(["left", "right"]),
    required=True,
    help="The leg the band is worn on.",
)
@click.option(
    "--subject", required=True, help="Pseudonymous subject label (never a real name needed)."
)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the pairing as JSON.")
def pair_command(
    ble: str | None,
    serial_port: str | None,
    band: str,
    side: str,
    subject: str,
    db_path: Path | None,
    as_json: bool,
) -> None:
    """Remember a band: its address, device id and serial number, leg side and subject."""
    from rls_monitor.link import pairing

    if bool(ble) == bool(serial_port):
        raise click.UsageError("give exactly one of --ble ADDRESS or --serial PORT")
    spec = f"ble:{ble}" if ble else f"serial:{serial_port}"
    paired = asyncio.run(
        pairing.pair_band(_db_path(db_path), spec, side=side, subject=subject, band=band)
    )
    if as_json:
        echo_json(paired.to_dict())
    else:
        click.echo(
            f"Paired band {paired.device_id} (serial {paired.serial or '?'}, firmware "
            f"{paired.firmware or '?'}) at {paired.address}: {paired.side} leg of subject {paired.subject}."
        )
