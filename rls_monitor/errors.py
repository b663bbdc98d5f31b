"""Exceptions raised by rls-monitor.

Every error the library raises on purpose derives from :class:`RLSMonitorError`;
errors of the libraries we use (bleak, pyserial, sqlite3, edfio, ...) are
translated into this tree where they are caught, with the original chained as
``__cause__``. The command-line interface prints the message of any
``RLSMonitorError`` as one line and exits with a non-zero status.

The tree::

    RLSMonitorError
    ├── ConfigError          an option or argument with a value that is not allowed
    ├── RecordingError       a recording or event file that cannot be read as given
    │   └── UnitsError       acceleration that is plainly not in g (e.g. mg)
    ├── DetectionError       a signal the detector cannot score (too short, wrong rate)
    ├── CalibrationError     a calibration that cannot be fitted or applied
    ├── StorageError         the SQLite store: corrupt, foreign, locked, full disk
    └── TransportError       the link to a band
        ├── DeviceNotFound   no (paired) band answered
        │   └── DeviceMismatch   the band that answered is not the paired one
        ├── ConnectError     a band was found but the connection failed
        ├── LinkLost         an established link went away
        └── FrameError       a frame that does not decode (version, length, CRC)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "CalibrationError",
    "ConfigError",
    "ConnectError",
    "DetectionError",
    "DeviceMismatch",
    "DeviceNotFound",
    "FrameError",
    "LinkLost",
    "RLSMonitorError",
    "RecordingError",
    "StorageError",
    "TransportError",
    "UnitsError",
    "check_option",
]


class RLSMonitorError(Exception):
    """Root of every error rls-monitor raises on purpose."""


class ConfigError(RLSMonitorError, ValueError):
    """An option or argument has a value that is not allowed.

    Attributes
    ----------
    name : str
        The parameter's name.
    value : object
        The value that was given.
    allowed : tuple of object
        The allowed values, when there is a finite list.
    """

    def __init__(
        self, message: str, *, name: str = "", value: object = None, allowed: Iterable[object] = ()
    ) -> None:
        super().__init__(message)
        self.name = name
        self.value = value
        self.allowed = tuple(allowed)


class RecordingError(RLSMonitorError):
    """A recording or event file cannot be read as given.

    Attributes
    ----------
    path : pathlib.Path or None
        The file, when the error is about one.
    line : int or None
        The 1-based line number in a text file, when known.
    """

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)
        self.path = Path(path) if path is not None else None
        self.line = line


class UnitsError(RecordingError):
    """Acceleration values are plainly not in g (for example they are in mg)."""


class DetectionError(RLSMonitorError):
    """A signal the detector cannot score (too short, sample rate out of range)."""


class CalibrationError(RLSMonitorError):
    """A calibration cannot be fitted or applied."""


class StorageError(RLSMonitorError):
    """The SQLite store cannot be used: corrupt, foreign, locked, or the disk is full.

    Attributes
    ----------
    path : pathlib.Path or None
        The database file.
    """

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class TransportError(RLSMonitorError):
    """The link to a band failed."""


class DeviceNotFound(TransportError):
    """No band (or not the paired band) answered."""


class DeviceMismatch(DeviceNotFound):
    """The band that answered is not the paired band (another device id); it is refused.

    Attributes
    ----------
    found, expected : str
        The device id the band gave, and the one paired.
    """

    def __init__(self, message: str, *, found: str, expected: str) -> None:
        super().__init__(message)
        self.found = found
        self.expected = expected


class ConnectError(TransportError):
    """A band was found but the connection could not be made."""


class LinkLost(TransportError):
    """An established link went away."""


class FrameError(TransportError):
    """A frame could not be decoded (wrong version, bad length, bad CRC).

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    kind : str or None, optional
        Which check the frame failed, e.g. the name of the protocol's exception class.

    Attributes
    ----------
    kind : str or None
        As given.
    """

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


def check_option(name: str, value: object, allowed: Iterable[object]) -> None:
    """Raise :class:`ConfigError` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    name : str
        The parameter's name, as the user knows it.
    value : object
        The value given.
    allowed : iterable
        The values allowed.

    Raises
    ------
    ConfigError
        Naming the parameter, the allowed values and the value given.

    Examples
    --------
    >>> check_option("rules", "wasm2016", ["wasm2016", "aasm"])
    """
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ConfigError(
            f"{name} must be one of {choices}; got {value!r}",
            name=name,
            value=value,
            allowed=allowed,
        )
