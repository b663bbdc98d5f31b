"""Scores: a night's saved result, movements and minute table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rls_monitor.errors import ConfigError
from rls_monitor.storage.base import StoreBase
from rls_monitor.storage.rows import (
    calibration_text,
    utc_now_text,
)


class ScoresMixin(StoreBase):
    """Scores: a night's saved result, movements and minute table."""

    # --- scores -------------------------------------------------------------------------------

    def save_score(
        self,
        night_id: int,
        result: Mapping[str, Any],
        *,
        minutes: Sequence[Mapping[str, Any]] | None = None,
        posture: Sequence[str | None] | None = None,
        calibrations: Sequence[Mapping[str, Any] | None] | None = None,
        set_calibration: bool = False,
    ) -> None:
        """Replace a night's score (summary columns, movements, minutes) in one transaction.

        Parameters
        ----------
        night_id : int
        result : mapping
            ``ScoreResult.to_dict()``; kept whole as JSON (so ``show --json`` returns it
            exactly) and normalised into the summary columns and ``movements`` rows.
        minutes : sequence of mapping, optional
            Per-minute rows (``minute``, ``start_s``, ``activity_mg``, ``lm_count``,
            ``plm_count``, ``posture``, ``in_bed``); replaced when given.
        posture : sequence of str, optional
            Posture at each movement's onset (same order as ``result["movements"]``).
        calibrations : sequence of (mapping or None), optional
            With ``set_calibration=True``: the calibration applied to each channel for this
            score, saved in the same transaction (see :meth:`set_night_calibration`).
        set_calibration : bool, default False
            Replace the night's recorded calibration with ``calibrations``.

        Raises
        ------
        ConfigError
            If ``result`` lacks the fields of a score.
        """
        try:
            counts = result["counts"]
            indices = result["indices"]
            movements = list(result["movements"])
            text = json.dumps(result, sort_keys=True, allow_nan=False)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a score result: {exc!r}", name="result") from exc
        if posture is not None and len(posture) != len(movements):
            raise ConfigError("posture must have one entry per movement", name="posture")
        self._night_row(night_id)
        rows = [
            (
                int(night_id),
                i,
                float(m["onset_s"]),
                float(m["offset_s"]),
                float(m.get("duration_s", m["offset_s"] - m["onset_s"])),
                m.get("peak_mg"),
                str(m.get("side", "unknown")),
                int(m.get("n_parts", 1)),
                int(bool(m["clm"])),
                int(bool(m["plm"])),
                int(m["series"]),
                None if posture is None else posture[i],
            )
            for i, m in enumerate(movements)
        ]
        now = utc_now_text()
        with self._write():
            self.db.execute(
                "UPDATE nights SET rules = ?, duration_s = ?, in_bed_s = ?, lm_count = ?, "
                "clm_count = ?, plm_count = ?, series_count = ?, lm_per_h = ?, plm_per_h = ?, "
                "periodicity_index = ?, result_json = ?, scored_utc = ?, updated_utc = ? "
                "WHERE id = ?",
                [
                    result.get("rules"),
                    result.get("duration_s"),
                    result.get("in_bed_s"),
                    counts.get("lm"),
                    counts.get("clm"),
                    counts.get("plm"),
                    counts.get("series"),
                    indices.get("lm_per_h"),
                    indices.get("plm_per_h"),
                    indices.get("periodicity_index"),
                    text,
                    now,
                    now,
                    int(night_id),
                ],
            )
            if set_calibration:
                self.db.execute(
                    "UPDATE nights SET calibration_json = ? WHERE id = ?",
                    [calibration_text(calibrations), int(night_id)],
                )
            self.db.execute("DELETE FROM movements WHERE night_id = ?", [int(night_id)])
            self._connection.executemany(
                "INSERT INTO movements (night_id, idx, onset_s, offset_s, duration_s, peak_mg, "
                "side, n_parts, clm, plm, series, posture) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            if minutes is not None:
                self.db.execute("DELETE FROM minutes WHERE night_id = ?", [int(night_id)])
                self._connection.executemany(
                    "INSERT INTO minutes (night_id, minute, start_s, activity_mg, lm_count, "
                    "plm_count, posture, in_bed) VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (
                            int(night_id),
                            int(r["minute"]),
                            float(r["start_s"]),
                            r.get("activity_mg"),
                            int(r.get("lm_count", 0)),
                            int(r.get("plm_count", 0)),
                            r.get("posture"),
                            None if r.get("in_bed") is None else int(bool(r["in_bed"])),
                        )
                        for r in minutes
                    ],
                )

    def get_result(self, night_id: int) -> dict[str, Any] | None:
        """The latest score of a night as saved (``ScoreResult.to_dict()``), or ``None``."""
        text = self._night_row(night_id)["result_json"]
        return None if text is None else dict(json.loads(text))

    def get_movements(self, night_id: int) -> list[dict[str, Any]]:
        """The normalised movement rows of a night's latest score, in time order."""
        self._night_row(night_id)
        rows = self._query(
            "SELECT * FROM movements WHERE night_id = ? ORDER BY idx", [int(night_id)]
        )
        for r in rows:
            r["clm"], r["plm"] = bool(r["clm"]), bool(r["plm"])
        return rows

    def get_minutes(self, night_id: int) -> list[dict[str, Any]]:
        """The per-minute rows of a night, in time order."""
        self._night_row(night_id)
        rows = self._query(
            "SELECT minute, start_s, activity_mg, lm_count, plm_count, posture, in_bed "
            "FROM minutes WHERE night_id = ? ORDER BY minute",
            [int(night_id)],
        )
        for r in rows:
            r["in_bed"] = None if r["in_bed"] is None else bool(r["in_bed"])
        return rows
