"""Devices (bands) and their pairing with a subject."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rls_monitor.errors import ConfigError
from rls_monitor.storage.rows import (
    SIDES,
    utc_now_text,
)
from rls_monitor.storage.subjects import SubjectsMixin


class DevicesMixin(SubjectsMixin):
    """Devices (bands) and their pairing with a subject."""

    def upsert_device(
        self,
        address: str,
        *,
        name: str | None = None,
        side: str | None = None,
        firmware: str | None = None,
        calibration: Mapping[str, Any] | None = None,
    ) -> int:
        """Add a band or update what is known of it; returns its id.

        Parameters
        ----------
        address : str
            The band's BLE address or serial number (its identity).
        name, firmware : str, optional
            Advertised name and firmware version; unchanged when ``None``.
        side : {"left", "right", "unknown"}, optional
            The leg it is usually worn on; unchanged when ``None``.
        calibration : mapping, optional
            The band's calibration (JSON-serialisable, e.g. offsets_g and scales); unchanged
            when ``None``.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            Empty address or unknown side.
        """
        address = str(address).strip()
        if not address:
            raise ConfigError("the device address must not be empty", name="address")
        if side is not None and side not in SIDES:
            raise ConfigError(
                f"side must be one of {', '.join(SIDES)}; got {side!r}",
                name="side",
                value=side,
                allowed=SIDES,
            )
        with self._write():
            return self._device_id(address, name, side, firmware, calibration)

    def _device_id(
        self,
        address: str,
        name: str | None = None,
        side: str | None = None,
        firmware: str | None = None,
        calibration: Mapping[str, Any] | None = None,
    ) -> int:
        now = utc_now_text()
        cal = None if calibration is None else json.dumps(dict(calibration), sort_keys=True)
        self.db.execute(
            "INSERT INTO devices (address, name, side, firmware, calibration_json, updated_utc) "
            "VALUES (?, coalesce(?, ''), coalesce(?, 'unknown'), coalesce(?, ''), ?, ?) "
            "ON CONFLICT (address) DO UPDATE SET name = coalesce(?, name), "
            "side = coalesce(?, side), firmware = coalesce(?, firmware), "
            "calibration_json = coalesce(?, calibration_json), updated_utc = ?",
            [address, name, side, firmware, cal, now, name, side, firmware, cal, now],
        )
        row = self.db.execute("SELECT id FROM devices WHERE address = ?", [address]).fetchone()
        return int(row[0])

    def get_device(self, address: str) -> dict[str, Any] | None:
        """A band's row (``calibration`` decoded), or ``None`` when unknown."""
        rows = self._query("SELECT * FROM devices WHERE address = ?", [address])
        if not rows:
            return None
        row = rows[0]
        cal = row.pop("calibration_json")
        row["calibration"] = None if cal is None else json.loads(cal)
        return row

    def paired_devices(self) -> list[dict[str, Any]]:
        """The paired bands' rows (``address``, ``device_id``, ``side``, ``subject``, ``serial``,
        ``model``, ``firmware``, ``paired_utc``), in the order they were paired."""
        if "paired_utc" not in self.db["devices"].columns_dict:
            return []
        return self._query(
            "SELECT address, device_id, side, subject, serial, model, firmware, paired_utc "
            "FROM devices WHERE paired_utc IS NOT NULL ORDER BY paired_utc, id"
        )

    def device_calibrations(self) -> dict[str, dict[str, Any]]:
        """The calibration in force of every band that has one, by address (decoded JSON)."""
        rows = self._query(
            "SELECT address, calibration_json FROM devices WHERE calibration_json IS NOT NULL"
        )
        return {str(r["address"]): json.loads(r["calibration_json"]) for r in rows}

    # --- pairing (schema version 4) -------------------------------------------------------------

    def set_pairing(
        self,
        address: str,
        *,
        device_id: str,
        side: str,
        subject: str,
        serial: str = "",
        model: str = "",
        firmware: str = "",
    ) -> int:
        """Remember a paired band: what its info says, the leg it is worn on, its subject.

        Parameters
        ----------
        address : str
            BLE address or serial port (the devices row's key).
        device_id : str
            The stable id the band reports; nights are checked against it.
        side : {"left", "right", "unknown"}
        subject : str
            Subject label (created if new).
        serial, model, firmware : str
            From the band's info.

        Returns
        -------
        int
            The device row's id.
        """
        dev = self.upsert_device(address, name=device_id, side=side, firmware=firmware)
        self.upsert_subject(subject)
        with self._write():
            self.db.execute(
                "UPDATE devices SET device_id = ?, serial = ?, model = ?, subject = ?, "
                "paired_utc = ?, updated_utc = ? WHERE id = ?",
                [device_id, serial, model, subject, utc_now_text(), utc_now_text(), dev],
            )
        return dev
