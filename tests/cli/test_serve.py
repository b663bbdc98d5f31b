"""``rls-monitor serve``: loopback only unless the user insists; the printed URL opens the page."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from rls_monitor.cli import main
from rls_monitor.storage import Store
from tests.web.browser import served


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_non_loopback_bind_is_refused(tmp_path: Path, host: str) -> None:
    db = tmp_path / "n.sqlite"
    result = CliRunner().invoke(main, ["serve", "--host", host, "--no-browser", "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: --host {host} would let other machines reach")
    assert "--allow-remote" in result.output and "Traceback" not in result.output
    assert not db.exists()


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--port", str(port), "--no-browser", "--db", str(tmp_path / "n.db")]
        )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: cannot listen on 127.0.0.1:{port}")


def test_the_printed_url_opens_the_page_and_nothing_else_does(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    with served(db) as url:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url, timeout=10) as r:
            assert r.status == 200 and "<h1>Tonight</h1>" in r.read().decode()
        base = url.split("/?")[0]
        with opener.open(base + "/trend", timeout=10) as r:  # the cookie is enough now
            assert r.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/trend", timeout=10)
        assert refused.value.code == 403
    assert not db.exists()  # serving and reading created no database


def test_stopping_the_server_ends_tonights_night_cleanly(tmp_path: Path) -> None:
    """SIGTERM (or Ctrl-C) while a night is recorded and its live stream is open: the stream
    ends, then the night is stored complete and scored, as after Ctrl-C in ``record``."""
    db = tmp_path / "n.sqlite"
    with served(db) as url:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url, timeout=10) as r:
            page = r.read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        base = url.split("/?")[0]
        start = urllib.request.Request(
            base + "/tonight/start",
            data=urllib.parse.urlencode({"csrf": csrf.group(1), "speed": "60"}).encode(),
            headers={"Origin": base},
        )
        with opener.open(start, timeout=10) as r:
            assert r.status == 200  # the redirect to Tonight, followed
        deadline = time.monotonic() + 30.0
        samples = 0
        while time.monotonic() < deadline and samples == 0:
            with opener.open(base + "/tonight/status.json", timeout=10) as r:
                snap = json.loads(r.read())
            samples = snap["bands"][0]["samples"] if snap["bands"] else 0
            time.sleep(0.2)
        assert samples > 0
        stream = opener.open(base + "/tonight/status", timeout=30)  # left open, as a page does
    assert stream.read().decode().endswith("event: end\ndata: {}\n\n")
    with Store(db, create=False, readonly=True) as store:
        (night,) = store.list_nights()
    assert night.status == "complete" and night.lm_count is not None
