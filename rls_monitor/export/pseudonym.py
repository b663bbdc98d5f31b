"""Pseudonymisation of exports for sharing with researchers.

Labels (subjects and devices) are replaced by a keyed hash: HMAC-SHA-256 of the label under a
salt, shortened to 10 hexadecimal digits and prefixed (``S-`` subjects, ``D-`` devices). The same
label gives the same pseudonym throughout one export, so nights of a subject stay together; with
a fresh random salt per export (the default), two exports cannot be linked to each other. A
caller that needs several exports to link (the same researcher, a later delivery) passes the same
salt each time and keeps it secret.

Dates are shifted back by a random whole number of **weeks** (between 52 and 520), the same for
every night of the export: intervals between nights, the time of day, and the **weekday** are kept
(weekday and weekend nights differ in sleep), the calendar date is not. Times stay in their local
UTC offset as recorded. The shift and the salt are never written into the export. With a given
salt the shift is derived from it, so linked exports also agree on every date.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rls_monitor.errors import ConfigError

__all__ = ["MAX_SHIFT_WEEKS", "MIN_SHIFT_WEEKS", "Pseudonymiser"]

MIN_SHIFT_WEEKS = 52
"""Smallest date shift of a random :class:`Pseudonymiser`, weeks back."""
MAX_SHIFT_WEEKS = 520
"""Largest date shift of a random :class:`Pseudonymiser`, weeks back."""


@dataclass(frozen=True)
class Pseudonymiser:
    """Replaces labels by keyed hashes and shifts dates by a whole number of days.

    Parameters
    ----------
    salt : bytes
        Secret key of the label hash (at least 8 bytes).
    shift_days : int
        Days added to every date and time (negative: back in time).

    Raises
    ------
    ConfigError
        A salt shorter than 8 bytes.

    Examples
    --------
    >>> p = Pseudonymiser(b"not-a-secret-salt", shift_days=-364)
    >>> p.subject("P01") == p.subject("P01") != p.subject("P02")
    True
    >>> p.subject("P01")[:2]
    'S-'
    """

    salt: bytes
    shift_days: int

    def __post_init__(self) -> None:
        if len(self.salt) < 8:
            raise ConfigError("the pseudonymisation salt must be at least 8 bytes", name="salt")

    @classmethod
    def random(cls, salt: bytes | str | None = None) -> Pseudonymiser:
        """A pseudonymiser with a random weekday-keeping shift and, by default, a random salt.

        Parameters
        ----------
        salt : bytes or str, optional
            A salt to reuse (so exports link); a fresh 16-byte random salt when omitted.

        Returns
        -------
        Pseudonymiser
            Shift: minus a whole number of weeks in [:data:`MIN_SHIFT_WEEKS`,
            :data:`MAX_SHIFT_WEEKS`], in days: random with a random salt; derived from the salt
            (a keyed hash) when one is given, so exports linked by a salt also share their date
            shift (a night has the same dates in all of them).
        """
        n_weeks = MAX_SHIFT_WEEKS - MIN_SHIFT_WEEKS + 1
        if salt is None:
            key = secrets.token_bytes(16)
            weeks = MIN_SHIFT_WEEKS + secrets.randbelow(n_weeks)
        else:
            key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
            # exports linked by one salt share one shift, so their dates agree with each other
            digest = hmac.new(key, b"rls-monitor date shift", hashlib.sha256).digest()
            weeks = MIN_SHIFT_WEEKS + int.from_bytes(digest[:8], "big") % n_weeks
        return cls(salt=key, shift_days=-7 * weeks)

    def _hash(self, prefix: str, label: str) -> str:
        digest = hmac.new(self.salt, label.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{prefix}-{digest[:10]}"

    def subject(self, label: str) -> str:
        """Pseudonym of a subject label (``S-`` and 10 hex digits)."""
        return self._hash("S", label)

    def device(self, address: str) -> str:
        """Pseudonym of a device address (``D-`` and 10 hex digits); ``""`` stays ``""``."""
        return self._hash("D", address) if address else ""

    def shift(self, when: datetime) -> datetime:
        """A date-time moved by the shift (its time zone and clock time kept)."""
        return when + timedelta(days=self.shift_days)

    def shift_date(self, day: date) -> date:
        """A calendar date moved by the shift."""
        return day + timedelta(days=self.shift_days)
