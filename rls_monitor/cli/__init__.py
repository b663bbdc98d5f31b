"""The ``rls-monitor`` command line: a thin layer over the Python API.

Only this package prints, reads environment variables and configures logging. Exit statuses, one
rule for every command: 0 success; 1 a failure (every
:class:`~rls_monitor.errors.RLSMonitorError` but a :class:`~rls_monitor.errors.ConfigError`: a
file, database, band or night that is missing, unreadable or refused); 2 wrong command-line usage
(click's own errors, and a :class:`~rls_monitor.errors.ConfigError`: an option value that is not
allowed, options that contradict each other); 3 an unexpected error (a bug; ``--debug`` shows the
traceback); 130 interrupted. Errors are one line on standard error.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import click

from rls_monitor import __version__
from rls_monitor.errors import ConfigError, RLSMonitorError

__all__ = ["ErrorReportingGroup", "main"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class ErrorReportingGroup(click.Group):
    """A click group that turns our errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            _answer_ctrl_c_here()
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except RLSMonitorError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"Internal error: {type(exc).__name__}: {exc} (run with --debug for details; "
                "please report it)",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


def _answer_ctrl_c_here() -> None:
    """Give SIGINT back to Python's own handler, so the commands see a ``KeyboardInterrupt``.

    Started as the program, ``rls_monitor/__init__.py`` has a Ctrl-C end it quietly (130) while
    it loads; that stays so through click's parsing of the command line (a ``KeyboardInterrupt``
    there would end in click's "Aborted!" and status 1) and ends here, inside the ``try`` that
    answers an interrupt with 130. Imported as a library, the handler is left alone.
    """
    if getattr(signal.getsignal(signal.SIGINT), "__module__", None) == "rls_monitor":
        signal.signal(signal.SIGINT, signal.default_int_handler)


@click.group(cls=ErrorReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rls-monitor")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, debug: bool) -> None:
    """Monitor leg movements during sleep from an ankle accelerometer band.

    Scores leg movements (LM) and periodic limb movements (PLM) by the WASM/IRLSSG 2016 standard
    (AASM as an option). A monitoring aid, not a diagnosis.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s", force=True
    )


def _register() -> None:
    from rls_monitor.cli.batch import batch_command
    from rls_monitor.cli.calibrate import calibrate
    from rls_monitor.cli.diary import diary_group, insights_command
    from rls_monitor.cli.export import export_command, report_command
    from rls_monitor.cli.record import pair_command, record_command, scan_command, sync_command
    from rls_monitor.cli.score import score_command
    from rls_monitor.cli.serve import serve_command
    from rls_monitor.cli.simulate import simulate_command
    from rls_monitor.cli.store import (
        db_group,
        import_command,
        nights_command,
        rescore_command,
        show_command,
    )

    for command in (
        scan_command,
        pair_command,
        record_command,
        sync_command,
        simulate_command,
        score_command,
        import_command,
        batch_command,
        nights_command,
        show_command,
        rescore_command,
        db_group,
        calibrate,
        export_command,
        report_command,
        diary_group,
        insights_command,
        serve_command,
    ):
        main.add_command(command)


_register()
