"""The options and helpers every command module shares: ``--db``, ``--rules``, the store, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "RULE_CHOICES",
    "F",
    "channels_option",
    "db_option",
    "echo_json",
    "open_store",
    "rules_filter_option",
    "rules_option",
]

#: The rule sets a command takes (the names of :data:`rls_monitor.detection.series.RULE_SETS`; kept
#: literal so that ``--help`` loads no NumPy); a wrong name is a usage error (exit status 2).
RULE_CHOICES = ("wasm2016", "aasm")
F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    """The ``--db PATH`` option shared by every storage command."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="RLS_MONITOR_DB",
        default=None,
        help="Database file (default: $RLS_MONITOR_DB, else the user data directory's "
        "rls-monitor.sqlite).",
    )(func)


def _split_channels(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(","))
    if len(names) != 3 or not all(names):
        raise click.BadParameter(
            f"three channel labels, X,Y,Z, separated by commas; got {value!r}", ctx, param
        )
    return names


def channels_option(func: F) -> F:
    """The ``--channels X,Y,Z`` option: an EDF file's acceleration channels, by label."""
    return click.option(
        "--channels",
        metavar="X,Y,Z",
        default=None,
        callback=_split_channels,
        help="For an EDF file: the labels of its X, Y and Z acceleration channels, e.g. "
        "'X Axis,Y Axis,Z Axis' (default: found by label).",
    )(func)


def rules_option(func: F) -> F:
    """The ``--rules`` option (default wasm2016) of the commands that score a file."""
    return click.option(
        "--rules",
        type=click.Choice(RULE_CHOICES),
        default="wasm2016",
        show_default=True,
        help="Rule set: wasm2016 (WASM/IRLSSG 2016) or aasm (AASM scoring manual).",
    )(func)


def rules_filter_option(help_text: str) -> Callable[[F], F]:
    """An optional ``--rules`` (no default) limited to the known rule sets."""
    return click.option("--rules", type=click.Choice(RULE_CHOICES), default=None, help=help_text)


def open_store(db_path: Path | None, *, create: bool = True, readonly: bool = False) -> Any:
    """Open the local database a command names.

    Parameters
    ----------
    db_path : Path or None
        The ``--db`` file; ``None`` uses :func:`rls_monitor.storage.default_db_path`.
    create : bool, default True
        Create the file (and its tables, and its folder) when it does not exist. A command that
        only reads passes ``False``: a missing file is then an error, and nothing is created.
    readonly : bool, default False
        Open the file read-only.

    Returns
    -------
    rls_monitor.storage.Store
        The open store (imported here, so that ``--help`` loads no storage code).
    """
    from rls_monitor.errors import StorageError
    from rls_monitor.storage import Store, default_db_path

    path = db_path or default_db_path()
    if not create and not path.exists():
        raise StorageError(
            f"there is no database at {path}: nothing was recorded or imported there yet "
            "(--db or RLS_MONITOR_DB name another)",
            path=path,
        )
    return Store(path, create=create, readonly=readonly)


def echo_json(data: Any, *, ensure_ascii: bool = True) -> None:
    """Print ``data`` as indented JSON (the ``--json`` output of every command).

    Parameters
    ----------
    data : Any
        A JSON-serialisable object.
    ensure_ascii : bool
        Escape non-ASCII characters (``False``: the diary's free text prints as written).
    """
    click.echo(json.dumps(data, indent=2, ensure_ascii=ensure_ascii))
