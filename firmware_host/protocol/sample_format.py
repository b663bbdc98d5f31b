"""The sample format of DATA frames: rate, range and resolution, coded in one byte.

:class:`SampleFormat` and the tables its codes index (:data:`RATES_HZ`, :data:`RANGES_G`,
:data:`RESOLUTIONS_BITS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["RANGES_G", "RATES_HZ", "RESOLUTIONS_BITS", "SampleFormat"]


#: Sample rates by 4-bit code, Hz.
RATES_HZ: Final = (12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0,
                   10.0, 20.0, 30.0, 32.0, 64.0, 128.0, 256.0, 500.0)  # fmt: skip
#: Full-scale ranges by 2-bit code, +-g.
RANGES_G: Final = (2.0, 4.0, 8.0, 16.0)
#: Resolutions by 2-bit code, bits (counts are sign-extended to int16 on the wire).
RESOLUTIONS_BITS: Final = (10, 12, 14, 16)


@dataclass(frozen=True, slots=True)
class SampleFormat:
    """Sample rate, range and resolution of DATA samples (one byte on the wire).

    Parameters
    ----------
    rate_hz : float
        Sample rate, Hz (one of :data:`RATES_HZ`).
    range_g : float
        Full scale, +-g (one of :data:`RANGES_G`).
    resolution_bits : int
        Bits per axis of the sensor (one of :data:`RESOLUTIONS_BITS`).

    Raises
    ------
    ValueError
        For a value outside the tables.
    """

    rate_hz: float = 50.0
    range_g: float = 8.0
    resolution_bits: int = 16

    def __post_init__(self) -> None:
        if self.rate_hz not in RATES_HZ:
            raise ValueError(f"rate_hz {self.rate_hz} is not one of {RATES_HZ}")
        if self.range_g not in RANGES_G:
            raise ValueError(f"range_g {self.range_g} is not one of {RANGES_G}")
        if self.resolution_bits not in RESOLUTIONS_BITS:
            raise ValueError(f"resolution_bits {self.resolution_bits} not in {RESOLUTIONS_BITS}")

    @property
    def lsb_g(self) -> float:
        """g per count: ``range_g / 2**(resolution_bits - 1)`` (a power of two)."""
        return self.range_g / float(1 << (self.resolution_bits - 1))

    @property
    def max_count(self) -> int:
        """Largest count magnitude the resolution allows."""
        return (1 << (self.resolution_bits - 1)) - 1

    @property
    def code(self) -> int:
        """The format byte: rate code (bits 0-3), range code (4-5), resolution code (6-7)."""
        return (
            RATES_HZ.index(self.rate_hz)
            | RANGES_G.index(self.range_g) << 4
            | RESOLUTIONS_BITS.index(self.resolution_bits) << 6
        )

    @classmethod
    def from_code(cls, code: int) -> SampleFormat:
        """The format of a format byte (every byte value is a valid format)."""
        return cls(RATES_HZ[code & 0x0F], RANGES_G[(code >> 4) & 0x03], RESOLUTIONS_BITS[code >> 6])

    @classmethod
    def from_lsb(cls, rate_hz: float, lsb_g: float, range_g: float | None = None) -> SampleFormat:
        """The format with rate ``rate_hz`` whose ``lsb_g`` equals ``lsb_g``.

        Parameters
        ----------
        rate_hz : float
            Sample rate, Hz.
        lsb_g : float
            g per count.
        range_g : float, optional
            Preferred range when several range/resolution pairs give the same ``lsb_g``
            (otherwise the largest range, i.e. 16-bit samples, wins).

        Raises
        ------
        ValueError
            When no range/resolution pair of the tables gives ``lsb_g``, or the rate is not in
            :data:`RATES_HZ`.
        """
        candidates = [
            cls(float(rate_hz), g, bits)
            for g in RANGES_G
            for bits in RESOLUTIONS_BITS
            if g / float(1 << (bits - 1)) == lsb_g
        ]
        if not candidates:
            raise ValueError(f"lsb_g {lsb_g} g is not range/2**(bits-1) of any supported format")
        if range_g is not None:
            for fmt in candidates:
                if fmt.range_g == range_g:
                    return fmt
        return max(candidates, key=lambda f: f.range_g)
