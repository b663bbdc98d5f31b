"""The leg a device file's free-text wear location names (used by the device-file readers)."""

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
