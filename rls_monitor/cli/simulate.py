"""``rls-monitor simulate``: write a simulated night as a recording file, to try the other commands."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["simulate_command"]


@click.command("simulate")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--duration",
    "duration_s",
    type=float,
    default=None,
    help="Night length in seconds (default 8 h; 120 s to 31 h).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulated night.")
def simulate_command(path: Path, duration_s: float | None, seed: int) -> None:
    """Write a simulated night at the left ankle to PATH (CSV), to try `score` or `import` on.

    The night comes from the simulated band's model of a night with leg movements (the one
    `record --simulate` records); it started yesterday evening at 22:30 local time.
    """
    from rls_monitor.nights.status import plural
    from rls_monitor.recording import write_csv
    from rls_monitor.simulation import simulated_recording

    recording = simulated_recording(duration_s=duration_s, seed=seed)
    written = write_csv(recording, path)
    minutes = round(recording.duration_s / 60.0)
    click.echo(
        f"Wrote a simulated night of {minutes // 60} h {minutes % 60:02d} min (seed {seed}, "
        f"{plural(recording.n_samples, 'sample')} at {recording.fs_hz:g} Hz) to {written}. "
        f"Try: rls-monitor score {written}"
    )
