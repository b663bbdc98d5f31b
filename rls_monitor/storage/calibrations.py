"""Calibrations: each band's history and the calibration in force for a night."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rls_monitor.errors import ConfigError
from rls_monitor.storage.devices import DevicesMixin
from rls_monitor.storage.rows import (
    calibration_text,
    parse_calibration_text,
    utc_now_text,
)


class CalibrationsMixin(DevicesMixin):
    """Calibrations: each band's history and the calibration in force for a night."""

    # --- calibration (schema version 3) --------------------------------------------------------

    def add_calibration(
        self,
        address: str,
        calibration: Mapping[str, Any] | None,
        *,
        accepted: bool = True,
        method: str | None = None,
        reason: str = "",
        source: str = "",
    ) -> int:
        """Record a calibration attempt for a band; an accepted one becomes the one in force.

        Every attempt is kept in the band's history (:meth:`calibration_history`); only an
        accepted one replaces the device's calibration in force (``get_device(...)["calibration"]``).

        Parameters
        ----------
        address : str
            The band (created when unknown).
        calibration : mapping or None
            ``Calibration.to_dict()`` of the fit (the candidate of a refused auto-calibration,
            or ``None`` when there was nothing to fit).
        accepted : bool, default True
            Whether it passed its acceptance criteria.
        method : str, optional
            ``six-pose``, ``auto``, ...; ``calibration["method"]`` when omitted.
        reason : str
            Why a calibration was refused (empty when accepted).
        source : str
            Where it came from (a file name, ``night 12``, ``simulated``).

        Returns
        -------
        int
            The history row's id.

        Raises
        ------
        ConfigError
            Empty address, or neither a calibration nor a method.
        """
        address = str(address).strip()
        if not address:
            raise ConfigError("the device address must not be empty", name="address")
        cal = None if calibration is None else dict(calibration)
        method = method or (None if cal is None else str(cal.get("method", "")))
        if not method:
            raise ConfigError("a calibration record needs a method", name="method")
        if accepted and cal is None:
            raise ConfigError("an accepted calibration needs its parameters", name="calibration")
        text = None if cal is None else json.dumps(cal, sort_keys=True, default=str)

        def err(key: str) -> float | None:
            value = None if cal is None else cal.get(key)
            return None if value is None else float(value)

        with self._write():
            device_id = self._device_id(address, calibration=cal if accepted else None)
            cur = self.db.execute(
                "INSERT INTO calibrations (device_id, created_utc, method, accepted, reason, "
                "source, error_before_mg, error_after_mg, calibration_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    device_id,
                    utc_now_text(),
                    method,
                    int(bool(accepted)),
                    reason,
                    source,
                    err("error_before_mg"),
                    err("error_after_mg"),
                    text,
                ],
            )
            return int(cur.lastrowid or 0)

    def calibration_history(self, address: str) -> list[dict[str, Any]]:
        """Every calibration attempt of a band, oldest first (``calibration`` decoded).

        Returns
        -------
        list of dict
            ``id``, ``created_utc``, ``method``, ``accepted`` (bool), ``reason``, ``source``,
            ``error_before_mg``, ``error_after_mg``, ``calibration`` (dict or None); empty for
            an unknown band.
        """
        rows = self._query(
            "SELECT c.* FROM calibrations c JOIN devices d ON d.id = c.device_id "
            "WHERE d.address = ? ORDER BY c.id",
            [str(address).strip()],
        )
        out = []
        for row in rows:
            text = row.pop("calibration_json")
            row.pop("device_id", None)
            row["accepted"] = bool(row["accepted"])
            row["calibration"] = None if text is None else json.loads(text)
            out.append(row)
        return out

    def device_nights(self, address: str) -> list[tuple[int, int]]:
        """``(night_id, channel)`` of every night a band recorded, oldest first."""
        rows = self._query(
            "SELECT nd.night_id AS night, nd.channel AS channel FROM night_devices nd "
            "JOIN devices d ON d.id = nd.device_id JOIN nights n ON n.id = nd.night_id "
            "WHERE d.address = ? ORDER BY coalesce(n.start_utc, n.created_utc), n.id",
            [str(address).strip()],
        )
        return [(int(r["night"]), int(r["channel"])) for r in rows]

    def set_night_calibration(
        self, night_id: int, calibrations: Sequence[Mapping[str, Any] | None] | None
    ) -> None:
        """Record the calibration a night's score was computed with, one entry per channel.

        Parameters
        ----------
        night_id : int
        calibrations : sequence of (mapping or None), or None
            ``Calibration.to_dict()`` applied to each channel (``None``: raw counts); ``None``
            for no calibration at all.
        """
        self._night_row(night_id)
        with self._write():
            self.db.execute(
                "UPDATE nights SET calibration_json = ?, updated_utc = ? WHERE id = ?",
                [calibration_text(calibrations), utc_now_text(), int(night_id)],
            )

    def night_calibration(self, night_id: int) -> list[dict[str, Any] | None] | None:
        """The calibration per channel the night's score used (``None``: none was applied)."""
        return parse_calibration_text(self._night_row(night_id).get("calibration_json"))
