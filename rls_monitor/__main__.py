"""``python -m rls_monitor`` and the ``rls-monitor`` console script run the command line."""

from __future__ import annotations

import sys


def run() -> None:
    """Start the command line; a Ctrl-C while it is still loading exits quietly with 130."""
    try:
        from rls_monitor.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
    main(prog_name="rls-monitor")


if __name__ == "__main__":
    run()
