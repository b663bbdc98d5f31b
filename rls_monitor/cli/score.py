"""``rls-monitor score``: score a recording or an event list without storing it."""

from __future__ import annotations

from pathlib import Path

import click

from rls_monitor.cli.common import channels_option, echo_json, rules_option

__all__ = ["score_command"]


@click.command("score")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@rules_option
@channels_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def score_command(path: Path, rules: str, channels: tuple[str, ...] | None, as_json: bool) -> None:
    """Score PATH, a recording (.csv, .cwa, .bin, .gt3x, .edf) or an event list (.csv with
    onset_s,offset_s).

    Prints the leg movements, PLM series and indices, each labelled with the rule set.
    """
    from rls_monitor.events import read_event_list
    from rls_monitor.recording import read_recording
    from rls_monitor.scoring import format_summary, score

    source = (
        read_event_list(path) if _is_event_list(path) else read_recording(path, channels=channels)
    )
    result = score(source, rules=rules)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(format_summary(result))


def _is_event_list(path: Path) -> bool:
    """True when PATH is a CSV whose header names ``onset_s`` (an event list, not samples)."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                text = line.strip()
                if text and not text.startswith("#"):
                    return "onset_s" in [c.strip().lower() for c in text.split(",")]
    except OSError:
        return False
    return False
