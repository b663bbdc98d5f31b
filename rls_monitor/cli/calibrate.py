"""``rls-monitor calibrate``: calibrate a band's accelerometer.

For now from a file: ``calibrate --from-file FILE`` fits the six-pose static calibration from a
recording of the band held still in the six poses (any format ``read_recording`` reads). The guided
procedure over the link (``--ble`` / ``--serial`` / ``--simulate``) and the auto-calibration of a
stored night (``--auto NIGHT`` / ``--device D``) need the store and the band; they will be further
sources of the same :class:`~calibration.Calibration`, printed by the same code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from calibration import Calibration

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
@click.option("--cross-axis", is_flag=True, help="Also fit cross-axis terms (12-parameter model).")
@click.option("--json", "as_json", is_flag=True, help="Print the calibration as one JSON object.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Also write the calibration as JSON to this file.",
)
def calibrate(from_file: Path | None, cross_axis: bool, as_json: bool, output: Path | None) -> None:
    """Fit the accelerometer calibration of a band from the six-pose recording FILE.

    Hold the band still for at least 10 s with each axis pointing up and then down (+x, -x, +y,
    -y, +z, -z, in any order). Prints the offset (mg) and scale of each axis and the mean error
    | |a| - 1 g | over the poses before and after; a missing or moved pose is an error naming it.
    """
    if from_file is None:
        raise click.UsageError(
            "give --from-file FILE (the guided calibration over the link comes in a later version)"
        )
    from rls_monitor.calibrate import fit_static_from_file

    calibration = fit_static_from_file(from_file, cross_axis=cross_axis)
    payload = calibration.to_dict()
    payload["source"] = str(from_file)
    if output is not None:
        try:
            output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise click.FileError(str(output), hint=exc.strerror or str(exc)) from exc
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        format_calibration(calibration, source=from_file.name)
