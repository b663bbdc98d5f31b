"""``python -m rls_monitor`` runs the command line."""

from rls_monitor.cli import main

if __name__ == "__main__":
    main(prog_name="rls-monitor")
