"""``python -m rls_monitor`` and the ``rls-monitor`` console script run the command line."""

from __future__ import annotations

import signal
import sys


def run() -> None:
    """Start the command line; a Ctrl-C while it is still loading exits quietly with 130.

    Until the command line is loaded, ``rls_monitor/__init__.py`` has SIGINT end the program
    quietly; then Python's own handler is back, so the commands see a ``KeyboardInterrupt``.
    """
    try:
        from rls_monitor.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
    if getattr(signal.getsignal(signal.SIGINT), "__module__", None) == "rls_monitor":
        signal.signal(signal.SIGINT, signal.default_int_handler)
    main(prog_name="rls-monitor")


if __name__ == "__main__":
    run()
