"""``rls-monitor calibrate``: calibrate a band's accelerometer, and keep it per band.

Sources of a :class:`~calibration.Calibration`, printed by the same code:

- ``--from-file FILE``: the six-pose static calibration of a bench recording of the six poses;
- ``--simulate``: the guided six-pose procedure with a simulated band of known errors;
- ``--serial PORT`` / ``--ble ADDRESS``: the guided six-pose procedure with a real, paired band
  (each pose is captured live over the link); the result is saved to that band;
- ``--auto NIGHT`` / ``--auto --device D``: van Hees auto-calibration from the stored nights
  (one night, or every night of the band pooled).

With ``--device D`` (or ``--auto``, which knows the band), the calibration is recorded in the
band's history in the store; an accepted one becomes the calibration in force, applied by
``import`` and ``rescore --calibration latest``. ``calibrate --device D`` alone shows the band's
calibration in force and history. A refused auto-calibration is not an error: the reason is
printed, the previous calibration stays in force, and the exit status is 0 (``--json`` gives
``accepted`` and ``reason``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from calibration import Calibration
from rls_monitor.cli.common import db_option, echo_json, open_store
from rls_monitor.errors import ConfigError

if TYPE_CHECKING:
    from rls_monitor.band_calibration.six_pose import PoseCheck

__all__ = ["calibrate", "format_calibration"]


def _mg(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.1f}"


def format_calibration(calibration: Calibration, *, source: str = "") -> None:
    """Print a calibration as rich tables on standard output.

    Parameters
    ----------
    calibration : Calibration
        The result to show.
    source : str, optional
        Where it came from (a file name), shown in the title.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if source:
        console.print(f"Calibration of {source}")
    cross = ", cross-axis" if calibration.matrix is not None else ""
    title = f"{calibration.method}{cross}"
    table = Table(title=title)
    table.add_column("axis")
    table.add_column("offset (mg)", justify="right")
    table.add_column("scale", justify="right")
    if calibration.temp_coef_g_per_degc is not None:
        table.add_column("temp. coef. (mg/degC)", justify="right")
    for k, axis in enumerate("xyz"):
        row = [axis, f"{calibration.offset_g[k] * 1000:+.1f}", f"{calibration.scale[k]:.4f}"]
        if calibration.temp_coef_g_per_degc is not None:
            row.append(f"{calibration.temp_coef_g_per_degc[k] * 1000:+.2f}")
        table.add_row(*row)
    console.print(table)
    if calibration.matrix is not None:
        matrix = Table(title="Gain and cross-axis matrix")
        for axis in ("", "x", "y", "z"):
            matrix.add_column(axis, justify="right")
        for k, axis in enumerate("xyz"):
            matrix.add_row(axis, *(f"{v:.5f}" for v in calibration.matrix[k]))
        console.print(matrix)
    details = calibration.extra
    poses = details.get("poses")
    if poses:
        pose_table = Table(title="| |a| - 1 g | per pose")
        pose_table.add_column("pose")
        pose_table.add_column("still (s)", justify="right")
        pose_table.add_column("before (mg)", justify="right")
        pose_table.add_column("after (mg)", justify="right")
        for i, pose in enumerate(poses):
            pose_table.add_row(
                pose,
                f"{details['pose_still_s'][i]:.0f}",
                f"{details['pose_error_before_mg'][i]:.1f}",
                f"{details['pose_error_after_mg'][i]:.1f}",
            )
        console.print(pose_table)
    console.print(
        f"Mean error: {_mg(calibration.error_before_mg)} mg before, "
        f"{_mg(calibration.error_after_mg)} mg after ({calibration.n_points} points)."
    )


@click.command("calibrate")
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A recording of the band held still >= 10 s in each of the six poses (.csv, .cwa, .bin).",
)
@click.option(
    "--simulate",
    is_flag=True,
    help="Run the guided six-pose procedure with a simulated band of known errors.",
)
@click.option(
    "--serial",
    "serial_port",
    default=None,
    metavar="PORT",
    help="Guided six-pose procedure with the paired band on this serial port.",
)
@click.option(
    "--ble",
    "ble_address",
    default=None,
    metavar="ADDRESS",
    help="Guided six-pose procedure with the paired band at this BLE address.",
)
@click.option(
    "--hold",
    "hold_s",
    type=float,
    default=15.0,
    show_default=True,
    help="--serial/--ble: seconds captured per pose (a still run of 10 s is needed).",
)
@click.option(
    "--auto",
    "auto_night",
    type=int,
    is_flag=False,
    flag_value=-1,
    default=None,
    metavar="[NIGHT]",
    help="Auto-calibrate from stored NIGHT, or with --device from every stored night of the band.",
)
@click.option("--device", "device", default=None, help="The band's address: save the result to it.")
@click.option("--cross-axis", is_flag=True, help="Also fit cross-axis terms (12-parameter model).")
@click.option("--yes", "-y", is_flag=True, help="Guided procedure: do not wait for Enter.")
@click.option("--seed", type=int, default=0, show_default=True, help="--simulate: the band's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Also write the result as JSON to this file.",
)
@db_option
def calibrate(
    from_file: Path | None,
    simulate: bool,
    serial_port: str | None,
    ble_address: str | None,
    hold_s: float,
    auto_night: int | None,
    device: str | None,
    cross_axis: bool,
    yes: bool,
    seed: int,
    as_json: bool,
    output: Path | None,
    db_path: Path | None,
) -> None:
    """Calibrate a band's accelerometer (offset and scale per axis) and keep it per band.

    \b
    --from-file FILE   six-pose calibration of a bench recording: hold the band still for
                       >= 10 s with each axis up and then down (+x, -x, +y, -y, +z, -z).
    --simulate         the guided procedure (asks for each pose, rejects a pose that moved)
                       with a simulated band; --yes or a non-terminal stdin runs straight through.
    --serial PORT      the guided procedure with the paired band on PORT (or --ble ADDRESS):
                       each pose is captured live for --hold seconds after you place the band;
                       the result is saved to that band and becomes its calibration in force.
    --auto [NIGHT]     van Hees auto-calibration from stored NIGHT, or with --device D from all
                       of the band's stored nights; accepted only with still points >= 0.3 g
                       on both sides of every axis and an error after the fit < 10 mg.
    --device D         save the result to band D (the latest accepted one is in force: import
                       and rescore --calibration latest apply it); alone, show D's calibrations.

    Prints the offset (mg) and scale of each axis and the mean error | |a| - 1 g | over the
    still periods before and after. A refused auto-calibration prints its reason, keeps the
    previous calibration and exits with status 0.
    """
    band_spec = (
        f"serial:{serial_port}" if serial_port else f"ble:{ble_address}" if ble_address else None
    )
    sources = [
        from_file is not None,
        simulate,
        auto_night is not None,
        serial_port is not None,
        ble_address is not None,
    ]
    if sum(sources) > 1:
        raise click.UsageError("give one of --from-file, --simulate, --serial, --ble and --auto")
    if band_spec is not None:
        if device is not None:
            raise click.UsageError(
                "--serial/--ble save the result to that band: --device is not needed"
            )
        _guided_band(band_spec, cross_axis, yes, hold_s, as_json, output, db_path)
        return
    if not any(sources):
        if device is None:
            raise click.UsageError(
                "give --from-file FILE, --simulate, --auto NIGHT or --auto --device D "
                "(or --device D alone to show its calibrations)"
            )
        _show_device(device, as_json, db_path)
        return
    if auto_night is not None:
        _auto(None if auto_night < 0 else auto_night, device, as_json, output, db_path)
        return
    payload: dict[str, Any]
    if from_file is not None:
        from rls_monitor.band_calibration.fit import fit_static_from_file

        calibration = fit_static_from_file(from_file, cross_axis=cross_axis)
        payload = calibration.to_dict()
        source = str(from_file)
    else:
        calibration, payload = _guided_simulated(cross_axis, yes, seed, as_json)
        source = "simulated"
    payload["source"] = source
    if device is not None:
        from rls_monitor.band_calibration.stored import save_calibration

        with open_store(db_path) as store:
            save_calibration(store, device, calibration, source=source)
        payload["device"] = device
        payload["saved"] = True
    _emit(payload, output)
    if as_json:
        echo_json(payload)
    else:
        format_calibration(calibration, source=Path(source).name)
        if "true_offset_mg" in payload:
            true_off = ", ".join(f"{v:+.1f}" for v in payload["true_offset_mg"])
            true_scale = ", ".join(f"{v:.4f}" for v in payload["true_scale"])
            click.echo(
                f"Simulated band's true correction: offset {true_off} mg, scale {true_scale}"
            )
        if device is not None:
            click.echo(f"Saved to band {device}: now the calibration in force.")


def _emit(payload: dict[str, Any], output: Path | None) -> None:
    if output is None:
        return
    try:
        output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.FileError(str(output), hint=exc.strerror or str(exc)) from exc


def _guided_simulated(
    cross_axis: bool, yes: bool, seed: int, as_json: bool
) -> tuple[Calibration, dict[str, Any]]:
    """The guided procedure on a simulated band (errors drawn from ``seed``; one pose fidgeted)."""
    import numpy as np

    from calibration import POSES
    from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
    from rls_monitor.band_calibration.six_pose import guided_six_pose

    rng = np.random.default_rng(seed)
    band = SimulatedSixPoseBand(
        offset_mg=rng.uniform(-80.0, 80.0, 3),
        scale=1.0 + rng.uniform(-0.04, 0.04, 3),
        moved={POSES[int(rng.integers(len(POSES)))]: 1},
        seed=seed,
    )
    prompt, report = _guide(yes, as_json, band.hold_s)
    calibration, checks = guided_six_pose(
        band.capture, prompt=prompt, report=report, cross_axis=cross_axis
    )
    payload = calibration.to_dict()
    true = band.true_correction
    payload["true_offset_mg"] = [round(float(v) * 1000.0, 4) for v in true.offset_g]
    payload["true_scale"] = [round(float(v), 7) for v in true.scale]
    payload["attempts"] = _attempts(checks)
    return calibration, payload


def _guide(
    yes: bool, as_json: bool, hold_s: float
) -> tuple[Callable[[str, str, int], None], Callable[[PoseCheck, int], None]]:
    """The guided procedure's prompt and report (on stderr with --json, to keep stdout clean)."""
    interactive = not yes and sys.stdin.isatty()
    err = as_json

    def prompt(pose: str, instruction: str, attempt: int) -> None:
        again = " (again)" if attempt > 1 else ""
        click.echo(f"Pose {pose}{again}: {instruction} Hold it still for {hold_s:g} s.", err=err)
        if interactive:
            click.pause("Press any key when the band is in place...", err=err)

    def report(check: PoseCheck, attempt: int) -> None:
        if check.ok:
            click.echo(f"  {check.pose}: still for {check.still_s:.0f} s - OK", err=err)
        else:
            click.echo(f"  {check.pose}: rejected - {check.reason}", err=err)

    return prompt, report


def _attempts(checks: list[PoseCheck]) -> list[dict[str, Any]]:
    return [
        {"pose": c.pose, "ok": c.ok, "still_s": round(c.still_s, 1), "reason": c.reason}
        for c in checks
    ]


def _guided_band(
    spec: str,
    cross_axis: bool,
    yes: bool,
    hold_s: float,
    as_json: bool,
    output: Path | None,
    db_path: Path | None,
) -> None:
    """The guided procedure with a real band: only a paired band; the result is saved to it."""
    from rls_monitor.band_calibration.six_pose import BandPoseCapture, guided_six_pose
    from rls_monitor.band_calibration.stored import save_calibration
    from rls_monitor.errors import DeviceNotFound
    from rls_monitor.link.pairing import find_pairing
    from rls_monitor.link.transports.base import parse_transport_spec

    parsed = parse_transport_spec(spec)
    with open_store(db_path) as store:
        paired = find_pairing(store, parsed)
    if paired is None:
        raise DeviceNotFound(
            f"{parsed.kind} {parsed.target} is not a paired band: pair it first "
            f"('rls-monitor pair --{parsed.kind} {parsed.target} --side left|right "
            "--subject LABEL')"
        )
    capture = BandPoseCapture(spec, device_id=paired.device_id, hold_s=hold_s)
    prompt, report = _guide(yes, as_json, hold_s)
    calibration, checks = guided_six_pose(
        capture, prompt=prompt, report=report, cross_axis=cross_axis
    )
    source = f"guided {parsed.kind} {parsed.target}"
    with open_store(db_path) as store:
        save_calibration(store, paired.address, calibration, source=source)
    payload: dict[str, Any] = calibration.to_dict()
    payload["attempts"] = _attempts(checks)
    payload["source"] = source
    payload["device"] = paired.address
    payload["device_id"] = paired.device_id
    payload["saved"] = True
    _emit(payload, output)
    if as_json:
        echo_json(payload)
        return
    format_calibration(calibration, source=f"band {paired.device_id} ({paired.address})")
    click.echo(f"Saved to band {paired.address}: now the calibration in force.")


def _auto(
    night: int | None,
    device: str | None,
    as_json: bool,
    output: Path | None,
    db_path: Path | None,
) -> None:
    from rls_monitor.nights.autocalibrate import auto_calibrate_stored

    if night is None and device is None:
        raise ConfigError("give --auto NIGHT, or --auto --device D", name="--auto")
    with open_store(db_path, create=False) as store:
        result, band, nights = auto_calibrate_stored(store, device=device, night=night)
    payload: dict[str, Any] = {"device": band, "nights": nights, **result.to_dict()}
    payload["candidate"] = None if result.candidate is None else result.candidate.to_dict()
    _emit(payload, output)
    if as_json:
        echo_json(payload)
        return
    used = ", ".join(str(n) for n in nights)
    click.echo(
        f"Auto-calibration of band {band} from night{'s' if len(nights) > 1 else ''} {used}: "
        f"{result.n_windows} still windows of 10 s."
    )
    cover = ", ".join(
        f"{axis} {lo:+.2f}..{hi:+.2f} g"
        for axis, (lo, hi) in zip("xyz", result.coverage_g.tolist(), strict=True)
    )
    click.echo(f"Coverage of the still points: {cover}.")
    if result.accepted:
        format_calibration(result.calibration)
        click.echo(f"Accepted and saved: now the calibration in force of band {band}.")
    else:
        click.echo(f"Not accepted: {result.reason}")
        kept = "none" if result.calibration.is_identity else result.calibration.method
        click.echo(f"The previous calibration ({kept}) stays in force.")


def _show_device(device: str, as_json: bool, db_path: Path | None) -> None:
    with open_store(db_path, create=False) as store:
        row = store.get_device(device)
        history = store.calibration_history(device)
    if row is None:
        raise ConfigError(f"no band {device} in the database", name="--device", value=device)
    payload = {"device": device, "calibration": row["calibration"], "history": history}
    if as_json:
        echo_json(payload)
        return
    if row["calibration"]:
        format_calibration(Calibration.from_dict(row["calibration"]), source=f"band {device}")
    else:
        click.echo(f"Band {device} has no calibration in force (raw samples are scored).")
    for h in history:
        state = "accepted" if h["accepted"] else f"refused: {h['reason']}"
        after = h["error_after_mg"]
        click.echo(
            f"  {h['created_utc']}  {h['method']:<8} {h['source'] or '-':<20} "
            f"after {_mg(after if after is not None else math.nan)} mg  {state}"
        )
