"""``rls-monitor score``: score a recording or an event file without storing it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rls_monitor.cli.common import channels_option, echo_json, rules_option

__all__ = ["event_labels_option", "score_command"]

F = TypeVar("F", bound=Callable[..., Any])


def event_labels_option(func: F) -> F:
    """``--event-labels FILE``: labels added to a sleep-lab export's label table."""
    return click.option(
        "--event-labels",
        "event_labels",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="A CSV of label,type[,side|stage] rows adding to the label table of a sleep-lab "
        "event export (see docs/scoring.md).",
    )(func)


@click.command("score")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@rules_option
@channels_option
@event_labels_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def score_command(
    path: Path,
    rules: str,
    channels: tuple[str, ...] | None,
    event_labels: Path | None,
    as_json: bool,
) -> None:
    """Score PATH: a recording (.csv, .cwa, .bin, .gt3x, .edf) or an event file.

    Event files: a sleep lab's export (EDF+ annotations, Noxturnal .csv/.txt, NSRR or Profusion
    .xml) or our event list (.csv with onset_s). Prints the leg movements, PLM series and
    indices, each labelled with the rule set; with stages also PLMS/PLMW.
    """
    from rls_monitor.recording import read_recording
    from rls_monitor.scoring import format_summary, score
    from rls_monitor.sleeplab import is_event_file, read_event_file, read_label_file

    labels = read_label_file(event_labels) if event_labels is not None else None
    source = (
        read_event_file(path, labels)
        if is_event_file(path, labels)
        else read_recording(path, channels=channels)
    )
    result = score(source, rules=rules)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(format_summary(result))
