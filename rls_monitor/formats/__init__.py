"""Readers of device file formats other than the plain CSV.

- :func:`rls_monitor.formats.axivity.read_cwa`: Axivity AX3/AX6 ``.cwa`` (OpenMovement format).
- :func:`rls_monitor.formats.geneactiv.read_geneactiv_bin`: GENEActiv ``.bin``.

Each returns a :class:`~rls_monitor.recording.Recording` (and, on request, the device temperature
per sample for the auto-calibration) and raises :class:`~rls_monitor.errors.RecordingError`, naming
the file, for anything it cannot read. :func:`rls_monitor.recording.read_recording` dispatches on the
suffix; the modules are imported lazily from there.
"""

from __future__ import annotations

__all__ = ["side_from_location"]


def side_from_location(location: str) -> str:
    """The leg a device's free-text wear location names.

    Parameters
    ----------
    location : str
        The file's location field (e.g. ``"left ankle"``, ``"Right Wrist"``).

    Returns
    -------
    {"left", "right", "unknown"}
        ``"left"`` when the text mentions left (in any case), else ``"right"`` when it mentions
        right, else ``"unknown"``.
    """
    text = location.lower()
    if "left" in text:
        return "left"
    if "right" in text:
        return "right"
    return "unknown"
