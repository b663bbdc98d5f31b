"""A scripted stand-in for the session as a driver sees it (commands answered from a table)."""

from __future__ import annotations

from collections.abc import Callable

from rls_monitor.link.wire import Reply


class ScriptedLink:
    """Answers a driver's requests with ``answer(data)`` decoded by the driver itself; keeps
    every command sent and serves GATT reads from ``chars``."""

    def __init__(
        self,
        answer: Callable[[bytes], bytes],
        decode: Callable[[bytes], list[object]],
        chars: dict[str, bytes] | None = None,
    ) -> None:
        self.answer = answer
        self.decode = decode
        self.chars = chars or {}
        self.sent: list[bytes] = []

    async def request(self, data: bytes, key: int) -> Reply:
        self.sent.append(data)
        (reply,) = self.decode(self.answer(data))
        assert isinstance(reply, Reply) and reply.cmd_id == key
        return reply

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    async def read_characteristic(self, uuid: str) -> bytes | None:
        return self.chars.get(uuid)
