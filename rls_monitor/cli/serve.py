"""``rls-monitor serve``: the local web page for patients (Tonight, This morning, Trend, Diary, For my clinician)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rls_monitor.cli.common import db_option

__all__ = ["serve_command"]


@click.command("serve")
@db_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="TCP port (0: a free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other machines can reach (the page still needs the printed token).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
def serve_command(
    db_path: Path | None, port: int, host: str, allow_remote: bool, no_browser: bool
) -> None:
    """Serve the web page on this computer and open it in the browser.

    It prints the page's address with a secret token made for this run: only that address
    opens the page. Stop it with Ctrl-C (a night being recorded then ends cleanly, scored and
    stored, as after Ctrl-C in 'rls-monitor record').
    """
    import socket
    import threading
    import webbrowser

    import uvicorn

    from rls_monitor.storage import default_db_path
    from rls_monitor.web.app import create_app
    from rls_monitor.web.security import RunSecrets, check_bind_host, page_url

    check_bind_host(host, allow_remote=allow_remote)
    secrets = RunSecrets.for_host(host)
    closing = threading.Event()
    app = create_app(db_path or default_db_path(), secrets=secrets, closing=closing)
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        from rls_monitor.errors import ConfigError

        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", name="--port", value=port
        ) from exc
    url = page_url(host, sock.getsockname()[1], secrets.token)
    click.echo(f"rls-monitor is at {url}")
    click.echo("Only this address (with its token) opens the page. Ctrl-C stops it.")
    if not no_browser:
        webbrowser.open(url)
    # Ctrl-C: open live streams get 2 s to close, then a night being recorded ends cleanly
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            closing.set()  # live streams end, so the graceful shutdown does not wait on them
            super().handle_exit(sig, frame)

    Server(config).run(sockets=[sock])
