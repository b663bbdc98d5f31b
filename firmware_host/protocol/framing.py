"""Byte-level framing helpers of the band protocol: CRC-16 and COBS.

Kept free of numpy and of anything protocol-specific so that each function maps onto a few
lines of C on the band.

CRC
    CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor; check value
    ``crc16(b"123456789") == 0x29B1``). Frames are at most 512 bytes, for which this CRC detects
    every error of up to 3 flipped bits and every burst of up to 16 bits. It is what Nordic's
    SDK ships (``crc16_compute``), table-free C is 10 lines, and BLE already adds its own CRC-24
    on the air: the frame CRC mostly guards the serial line and the flash. CRC-32 would cost two
    more bytes per frame, which matters at the 20-byte notifications of ATT MTU 23.

COBS
    Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999) removes every 0x00 from a frame
    so that 0x00 can delimit frames on a serial line. Overhead is one byte per started 254 bytes.

References
----------
.. [1] S. Cheshire and M. Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM Transactions on
   Networking 7(2), 1999.
.. [2] "CRC-16/IBM-3740" (alias CRC-16/CCITT-FALSE) in the Catalogue of parametrised CRC
   algorithms, https://reveng.sourceforge.io/crc-catalogue/16.htm
"""

from __future__ import annotations

import binascii

__all__ = ["CobsDecodeError", "CobsDecoder", "cobs_decode", "cobs_encode", "crc16"]

CRC16_INIT = 0xFFFF


def crc16(data: bytes | bytearray | memoryview, crc: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE of ``data``.

    Parameters
    ----------
    data : bytes-like
        The bytes to check.
    crc : int
        Start value (``0xFFFF``; pass a previous result to continue over several chunks).

    Returns
    -------
    int
        The 16-bit CRC.

    Examples
    --------
    >>> hex(crc16(b"123456789"))
    '0x29b1'
    """
    return binascii.crc_hqx(data, crc)


class CobsDecodeError(ValueError):
    """A COBS block is malformed (a zero byte inside, or a code running past the end)."""


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS-encode ``data`` (without the trailing 0x00 delimiter).

    Parameters
    ----------
    data : bytes-like
        Any bytes, zeros allowed.

    Returns
    -------
    bytes
        ``len(data) + 1 + len(data) // 254`` bytes at most, none of them zero.

    Examples
    --------
    >>> cobs_encode(b"\\x11\\x00\\x22").hex()
    '02110222'
    """
    out = bytearray()
    code_at = 0
    out.append(0)  # placeholder for the first code byte
    code = 1
    for b in bytes(data):
        if b == 0:
            out[code_at] = code
            code_at = len(out)
            out.append(0)
            code = 1
            continue
        out.append(b)
        code += 1
        if code == 0xFF:
            out[code_at] = code
            code_at = len(out)
            out.append(0)
            code = 1
    out[code_at] = code
    return bytes(out)


def cobs_decode(block: bytes | bytearray | memoryview) -> bytes:
    """Decode one COBS block (the bytes between two 0x00 delimiters).

    Parameters
    ----------
    block : bytes-like
        An encoded block without its delimiter.

    Returns
    -------
    bytes
        The original data.

    Raises
    ------
    CobsDecodeError
        On a zero byte inside the block or a code byte pointing past its end.
    """
    data = bytes(block)
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        code = data[i]
        if code == 0:
            raise CobsDecodeError(f"zero byte at offset {i} inside a COBS block")
        end = i + code
        if end > n:
            raise CobsDecodeError(f"COBS code {code} at offset {i} runs past the block ({n} bytes)")
        chunk = data[i + 1 : end]
        if 0 in chunk:
            raise CobsDecodeError(f"zero byte inside a COBS block after offset {i}")
        out += chunk
        i = end
        if code != 0xFF and i < n:
            out.append(0)
    return bytes(out)


class CobsDecoder:
    """Split a serial byte stream into frames: COBS blocks delimited by 0x00.

    Takes chunks of any size (a frame may span many chunks, a chunk may hold many frames).
    A malformed block is dropped whole (everything up to the next 0x00) and counted; the decoder
    is then in step again with the next frame. A block longer than ``max_block`` without a
    delimiter (a line full of garbage) is discarded as it grows and counted once.

    Parameters
    ----------
    max_block : int
        Largest encoded block accepted, in bytes (default: a 512-byte frame plus COBS overhead).

    Attributes
    ----------
    errors : int
        Blocks dropped as malformed or over-long.
    dropped_bytes : int
        Bytes thrown away with them.
    frames : int
        Frames returned so far.

    Examples
    --------
    >>> d = CobsDecoder()
    >>> d.feed(b"\\x02\\x11")
    []
    >>> d.feed(b"\\x02\\x22\\x00garbage\\x00")
    [b'\\x11\\x00"']
    >>> d.errors
    1
    """

    def __init__(self, max_block: int = 520) -> None:
        self.max_block = max_block
        self._buf = bytearray()
        self._overflow = False
        self.errors = 0
        self.dropped_bytes = 0
        self.frames = 0

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[bytes]:
        """Take a chunk of the stream; return the frames it completes, in order.

        Parameters
        ----------
        chunk : bytes-like
            The next bytes read from the line.

        Returns
        -------
        list of bytes
            Decoded frames (empty blocks, i.e. repeated delimiters, are skipped).
        """
        out: list[bytes] = []
        data = bytes(chunk)
        start = 0
        while True:
            zero = data.find(0, start)
            piece = data[start:] if zero < 0 else data[start:zero]
            if self._overflow:
                self.dropped_bytes += len(piece)
            else:
                self._buf += piece
                if len(self._buf) > self.max_block:
                    self.errors += 1
                    self.dropped_bytes += len(self._buf)
                    self._buf.clear()
                    self._overflow = True
            if zero < 0:
                return out
            start = zero + 1
            if self._overflow:
                self._overflow = False
                continue
            if self._buf:
                block = bytes(self._buf)
                self._buf.clear()
                try:
                    out.append(cobs_decode(block))
                    self.frames += 1
                except CobsDecodeError:
                    self.errors += 1
                    self.dropped_bytes += len(block)

    @property
    def pending(self) -> int:
        """Bytes buffered while waiting for the next delimiter."""
        return len(self._buf)
