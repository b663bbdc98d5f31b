"""Multi-part responses (firmware_host.protocol.replies)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from tests.firmware_host.protocol.vectors import (
    u32,
)


@settings(deadline=None)
@given(
    seq=u32,
    op=st.sampled_from(list(p.Op)),
    cmd_id=st.integers(0, 0xFFFF),
    result=st.sampled_from(list(p.Result)),
    data=st.binary(max_size=600),
    max_len=st.integers(13, p.MAX_FRAME_LEN),
)
def test_response_split_round_trip(
    seq: int, op: p.Op, cmd_id: int, result: p.Result, data: bytes, max_len: int
) -> None:
    parts = p.split_response(seq, op, cmd_id, result, data, max_frame_len=max_len)
    assert all(len(part) <= max_len for part in parts)
    asm = p.ResponseAssembler()
    done = [asm.feed(f) for f in map(p.decode_frame, parts) if isinstance(f, p.ResponseFrame)]
    assert done[:-1] == [None] * (len(parts) - 1)
    whole = done[-1]
    assert whole is not None
    assert (whole.opcode, whole.cmd_id, whole.result, whole.data) == (op, cmd_id, result, data)
