"""Commands (firmware_host.protocol.commands): golden vectors, round trips, malformed commands."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from tests.firmware_host.protocol.vectors import (
    GOLDEN,
    formats,
    reseal,
    u32,
)


def test_golden_commands() -> None:
    assert p.cmd_start_stream(7, 0).hex() == GOLDEN["cmd_start"]
    assert p.cmd_resend(8, 10, 20).hex() == GOLDEN["cmd_resend"]
    assert p.cmd_sync_time(9, 1764000000.25).hex() == GOLDEN["cmd_sync"]
    assert p.cmd_get_info(1).hex() == GOLDEN["cmd_info"]
    c = p.decode_command(bytes.fromhex(GOLDEN["cmd_sync"]))
    assert c.opcode is p.Op.SYNC_TIME and c.cmd_id == 9
    assert struct.unpack("<q", c.args)[0] == 1764000000250000


@settings(deadline=None)
@given(cmd_id=st.integers(0, 0xFFFF), a=u32, b=u32, unix_s=st.floats(0, 4e9), fmt=formats)
def test_command_round_trips(
    cmd_id: int, a: int, b: int, unix_s: float, fmt: p.SampleFormat
) -> None:
    cases = [
        (p.cmd_start_stream(cmd_id, a), p.Op.START_STREAM, struct.pack("<I", a)),
        (p.cmd_stop_stream(cmd_id), p.Op.STOP_STREAM, b""),
        (p.cmd_set_format(cmd_id, fmt, 20), p.Op.SET_FORMAT, bytes([fmt.code, 20])),
        (p.cmd_get_status(cmd_id), p.Op.GET_STATUS, b""),
        (p.cmd_resend(cmd_id, a, b), p.Op.RESEND, struct.pack("<II", a, b)),
        (p.cmd_get_info(cmd_id), p.Op.GET_INFO, b""),
        (p.cmd_set_mode(cmd_id, p.Mode.EVENTS), p.Op.SET_MODE, b"\x01"),
        (p.cmd_erase(cmd_id), p.Op.ERASE, struct.pack("<I", p.ERASE_MAGIC)),
    ]
    for raw, op, args in cases:
        assert p.decode_command(raw) == p.Command(op, cmd_id, args)
    sync = p.decode_command(p.cmd_sync_time(cmd_id, unix_s))
    assert abs(struct.unpack("<q", sync.args)[0] / 1e6 - unix_s) <= 1e-6


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"\x18\x01\x07", p.BadLength),
        (bytes.fromhex(GOLDEN["cmd_start"])[:-1] + b"\x00", p.BadCRC),
        (reseal(b"\x28\x01\x07\x00" + bytes(4)), p.BadVersion),
        (reseal(b"\x11\x01\x07\x00" + bytes(4)), p.UnknownType),
        (reseal(b"\x18\x7f\x07\x00"), p.UnknownOpcode),
        (reseal(b"\x18\x01\x07\x00" + bytes(3)), p.BadLength),
        (reseal(b"\x18\x02\x07\x00" + bytes(1)), p.BadLength),
    ],
)
def test_malformed_commands(raw: bytes, error: type) -> None:
    with pytest.raises(error):
        p.decode_command(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_fuzz_decode_command_raises_only_protocol_errors(data: bytes) -> None:
    for raw in (data, reseal(data), reseal(b"\x18" + data)):
        try:
            cmd = p.decode_command(raw)
        except p.ProtocolError:
            continue
        assert isinstance(cmd.opcode, p.Op)
