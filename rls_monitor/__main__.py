"""``python -m rls_monitor`` and the ``rls-monitor`` console script run the command line."""

from __future__ import annotations

import sys


def run() -> None:
    """Start the command line; a Ctrl-C while it is still loading exits quietly with 130.

    Until the command line has parsed its arguments, ``rls_monitor/__init__.py`` has SIGINT end
    the program quietly; then the command group puts Python's own handler back, so the commands
    see a ``KeyboardInterrupt``.
    """
    try:
        from rls_monitor.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
    main(prog_name="rls-monitor")


if __name__ == "__main__":
    run()
