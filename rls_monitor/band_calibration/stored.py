"""Calibration kept in the store, per band: the one in force and the history of attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from calibration import Calibration

if TYPE_CHECKING:
    from rls_monitor.storage import Store

__all__ = ["calibration_in_force", "save_calibration"]


def calibration_in_force(store: Store, device: str) -> Calibration | None:
    """The band's calibration in force (its latest accepted one), or ``None``.

    Parameters
    ----------
    store : rls_monitor.storage.Store
    device : str
        The band's address.

    Returns
    -------
    Calibration or None
    """
    row = store.get_device(device)
    if not row or not row.get("calibration"):
        return None
    return Calibration.from_dict(row["calibration"])


def save_calibration(
    store: Store,
    device: str,
    calibration: Calibration,
    *,
    accepted: bool = True,
    reason: str = "",
    source: str = "",
) -> int:
    """Record a calibration in the band's history; an accepted one becomes the one in force.

    Parameters
    ----------
    store : rls_monitor.storage.Store
    device : str
        The band's address (created when unknown).
    calibration : Calibration
        The fit (for a refused auto-calibration, its candidate).
    accepted : bool, default True
    reason : str
        Why it was refused.
    source : str
        Where it came from (file name, ``nights 3, 4``, ``simulated``).

    Returns
    -------
    int
        The history row's id.
    """
    return store.add_calibration(
        device, calibration.to_dict(), accepted=accepted, reason=reason, source=source
    )
