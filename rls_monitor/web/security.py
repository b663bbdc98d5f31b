"""What keeps the web page on this machine and to this user: the per-run secrets and their checks.

Every request must carry the run's token (the URL's ``?token=``, then an HttpOnly, same-site
cookie); its ``Host`` header must name the address the server was started on (no DNS
rebinding); a form post must come from the page itself (its ``Origin``) and carry the run's
CSRF token. Every answer carries a strict Content-Security-Policy (scripts and styles from the
server's own static files only, nothing from elsewhere), and the server binds a loopback
address unless the user insists.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rls_monitor.errors import ConfigError

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "CSRF_FIELD",
    "TOKEN_COOKIE",
    "TOKEN_PARAM",
    "RunSecrets",
    "check_bind_host",
    "is_loopback",
    "page_url",
]

#: The query parameter that carries the run's token in the URL the server prints.
TOKEN_PARAM = "token"
#: The cookie that carries it after the first request.
TOKEN_COOKIE = "rls_monitor_token"
#: The hidden field of every form that carries the CSRF token.
CSRF_FIELD = "csrf"

#: Sent with every answer: nothing but this server's own files, no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("[::1]"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    text = host.strip().lower().strip("[]")
    if text in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def check_bind_host(host: str, *, allow_remote: bool) -> str:
    """The address to bind, refused when it is not a loopback one and the user did not insist.

    Parameters
    ----------
    host : str
        ``--host``.
    allow_remote : bool
        ``--allow-remote``: the user wants the page reachable from other machines (it then
        still needs the run's token).

    Returns
    -------
    str
        ``host`` as given.

    Raises
    ------
    ConfigError
        A non-loopback address without ``allow_remote``.
    """
    if not host.strip():
        raise ConfigError("--host must not be empty", name="--host", value=host)
    if not is_loopback(host) and not allow_remote:
        raise ConfigError(
            f"--host {host} would let other machines reach the page; it binds 127.0.0.1 "
            "unless you add --allow-remote (the page still needs the printed token)",
            name="--host",
            value=host,
        )
    return host


def page_url(host: str, port: int, token: str) -> str:
    """The address the server prints: ``http://HOST:PORT/?token=...`` (IPv6 in brackets).

    Examples
    --------
    >>> page_url("127.0.0.1", 8000, "abc")
    'http://127.0.0.1:8000/?token=abc'
    """
    name = host.strip().strip("[]")
    shown = f"[{name}]" if ":" in name else name
    return f"http://{shown}:{port}/?{TOKEN_PARAM}={token}"


def _host_name(host_header: str) -> str:
    """The name part of a ``Host`` header (``"127.0.0.1:8000"`` -> ``"127.0.0.1"``)."""
    text = host_header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


@dataclass(frozen=True)
class RunSecrets:
    """The secrets of one run of the server, and the checks that use them.

    Attributes
    ----------
    token : str
        Needed by every request (URL once, then the cookie).
    csrf : str
        Needed in every form post.
    hosts : tuple of str
        Names the ``Host`` header may give (lower case, without the port).
    """

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")

    @classmethod
    def for_host(cls, bind_host: str) -> RunSecrets:
        """Fresh secrets for a server bound to ``bind_host`` (its name is added to the hosts)."""
        name = bind_host.strip().lower().strip("[]")
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
        if name and name not in hosts and name not in ("0.0.0.0", "::"):
            hosts = (*hosts, name)
        return cls(hosts=hosts)

    def token_ok(self, given: str | None) -> bool:
        """Whether ``given`` is the run's token (compared in constant time)."""
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def csrf_ok(self, given: str | None) -> bool:
        """Whether ``given`` is the run's CSRF token (compared in constant time)."""
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())

    def host_ok(self, host_header: str | None) -> bool:
        """Whether a request's ``Host`` header names this server (not a rebound foreign name)."""
        return bool(host_header) and _host_name(host_header or "") in self.hosts

    def origin_ok(self, origin: str | None, host_header: str | None) -> bool:
        """Whether a post's ``Origin`` is the page itself: same host and port as ``Host``.

        A post without an ``Origin`` is refused: every browser sends one with a form post.
        """
        if not origin or not host_header or origin == "null":
            return False
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        return parts.netloc.lower() == host_header.strip().lower() and self.host_ok(parts.netloc)
