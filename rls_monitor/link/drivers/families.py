"""The device families the host supports, by name: their drivers and GATT services.

``record --band``, ``scan`` and :func:`rls_monitor.link.transports.open.open_transport` pick
drivers here; ``scan`` names the family of every device it hears by the service it advertises.
"""

from __future__ import annotations

from collections.abc import Callable

from rls_monitor.errors import ConfigError
from rls_monitor.link.drivers.base import BandProtocolDriver, DeviceDriver
from rls_monitor.link.drivers.movesense import MOVESENSE_PROFILE, MovesenseDriver
from rls_monitor.link.drivers.nus import NUS_PROFILE, NusDriver
from rls_monitor.link.drivers.polar import POLAR_PROFILE, PolarDriver
from rls_monitor.link.transports.ble import GattProfile

__all__ = [
    "FAMILIES",
    "family_of_device_id",
    "family_of_services",
    "make_driver",
    "service_uuids",
]

FAMILIES: dict[str, Callable[[], DeviceDriver]] = {
    "rls": BandProtocolDriver,
    "movesense": MovesenseDriver,
    "polar": PolarDriver,
    "nus": NusDriver,
}
"""Family name -> the driver's constructor (with its defaults)."""

_PROFILES: dict[str, GattProfile] = {
    "movesense": MOVESENSE_PROFILE,
    "polar": POLAR_PROFILE,
    "nus": NUS_PROFILE,
}


def make_driver(family: str) -> DeviceDriver:
    """A new driver of ``family``.

    Raises
    ------
    ConfigError
        An unknown family.

    Examples
    --------
    >>> make_driver("polar").name
    'polar-pmd/1'
    """
    if family not in FAMILIES:
        raise ConfigError(
            f"a band family is one of {', '.join(FAMILIES)}; got {family!r}",
            name="band",
            value=family,
            allowed=tuple(FAMILIES),
        )
    return FAMILIES[family]()


def family_of_device_id(device_id: str) -> str:
    """The family a paired device id names (vendor ids are ``family-serial``; ours ``RLS-...``,
    also over the Nordic UART Service, which therefore needs ``--band nus``).

    Examples
    --------
    >>> family_of_device_id("movesense-223430000101"), family_of_device_id("RLS-0001")
    ('movesense', 'rls')
    """
    prefix = device_id.partition("-")[0]
    return prefix if prefix in ("movesense", "polar") else "rls"


def service_uuids() -> dict[str, str]:
    """Family -> the primary service UUID its devices advertise (lower case)."""
    out = {"rls": GattProfile.default().service_uuid}
    out.update({family: profile.service_uuid for family, profile in _PROFILES.items()})
    return out


def family_of_services(uuids: list[str]) -> str | None:
    """The family whose service is among ``uuids`` (advertised service UUIDs), or ``None``.

    Examples
    --------
    >>> family_of_services(["6E400001-B5A3-F393-E0A9-E50E24DCCA9E"])
    'nus'
    """
    wanted = {u.lower() for u in uuids}
    for family, uuid in service_uuids().items():
        if uuid in wanted:
            return family
    return None
