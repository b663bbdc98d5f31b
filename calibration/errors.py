"""Exceptions of the calibration package.

The package is pure (it imports nothing of ``rls_monitor``), so it has its own small tree, named
apart from the host's: the host (``rls_monitor.band_calibration``) translates it into
``rls_monitor.errors.CalibrationError`` (chained)::

    CalibrationValueError     a calibration that cannot be built, read or applied
    └── CalibrationFitError   a fit that cannot be made or is not accepted (carries ``reason``, ``pose``)
"""

from __future__ import annotations

import numpy as np

__all__ = ["CalibrationFitError", "CalibrationValueError", "check_positive"]


class CalibrationValueError(ValueError):
    """A calibration that cannot be built, read or applied.

    Attributes
    ----------
    reason : str
        Why, in plain words (the same text as the message).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CalibrationFitError(CalibrationValueError):
    """A calibration fit that cannot be made or does not meet its acceptance criteria.

    Attributes
    ----------
    reason : str
        Why, in plain words, e.g. ``"pose -y is missing"``.
    pose : str or None
        The pose concerned (``"+x"``, ``"-x"``, ..., ``"-z"``), when the error is about one.
    """

    def __init__(self, reason: str, *, pose: str | None = None) -> None:
        super().__init__(reason)
        self.pose = pose


def check_positive(name: str, value: float) -> None:
    """Raise :class:`CalibrationValueError` unless ``value`` is a finite number above zero.

    Parameters
    ----------
    name : str
        The parameter's name, as the user knows it.
    value : float
        The value given.

    Raises
    ------
    CalibrationValueError
        ``"<name> must be a positive number; got <value>"``.
    """
    if not np.isfinite(value) or value <= 0:
        raise CalibrationValueError(f"{name} must be a positive number; got {value!r}")
