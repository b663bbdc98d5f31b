"""Shared test data of the protocol tests: the golden vectors of docs/protocol.md, a
reference CRC, and hypothesis strategies.
"""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from firmware_host import protocol as p

FMT = p.SampleFormat(50.0, 8.0, 16)


GOLDEN = {
    "data": "110005000000e8030000e2010100feff00109bf7",
    "data2": "110104030201d0c0b0a0e202000000000010ffff000100f0863f",
    "status": "12002a00000040e201005703fa004e0c9873",
    "response": "13002a000000010700002a000000000000000260",
    "end": "16002a0000000008000a000000140000004846",
    "event": "14000300000088130000dc05780000c84687",
    "summary": "15000400000000f0000003020c00b4000150b9f4",
    "cmd_start": "18010700000000007062",
    "cmd_resend": "180608000a000000140000009453",
    "cmd_sync": "18040900901066415944060041af",
    "cmd_info": "1807010005ac",
    "cobs_data": "02110205010103e8030104e2010103feff04109bf7",
    "data_delta": "118005000000e8030000e2030100feff00100502e82f14bfbf",
}


def crc16_reference(data: bytes) -> int:
    """Bit-by-bit CRC-16/CCITT-FALSE, independent of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def reseal(body: bytes) -> bytes:
    """A frame body with a fresh, valid CRC (to test checks behind the CRC)."""
    return body + struct.pack("<H", crc16_reference(body))


u32 = st.integers(0, 2**32 - 1)


formats = st.integers(0, 255).map(p.SampleFormat.from_code)


DATA_RAW = bytes.fromhex(GOLDEN["data2"])
