"""The night lifecycle: create, finish, interrupt, resume, delete, list, get, metadata."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.devices import DevicesMixin
from rls_monitor.storage.rows import (
    SIDES,
    Channel,
    NightInfo,
    iso_text,
    night_info_from_row,
    parse_iso,
    utc_now_text,
)
from rls_monitor.storage.samples import SamplesMixin


class NightsMixin(SamplesMixin, DevicesMixin):
    """The night lifecycle: create, finish, interrupt, resume, delete, list, get, metadata."""

    # --- nights -------------------------------------------------------------------------------

    def create_night(
        self,
        subject: str,
        *,
        fs_hz: float,
        lsb_g: float,
        start_utc: datetime | None = None,
        channels: Sequence[Channel] = (Channel(),),
        source: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Start a night (status ``recording``, owned by this process) and return its id.

        Parameters
        ----------
        subject : str
            The subject's pseudonymous label (created when new).
        fs_hz : float
            Sample rate, Hz.
        lsb_g : float
            g per count of the samples that will be appended.
        start_utc : datetime, optional
            Wall-clock time of sample 0 (UTC).
        channels : sequence of Channel
            One per band (two for left and right legs); sample blocks are appended per channel.
        source : str
            Where the night comes from (file name, ``"session"``).
        metadata : mapping, optional
            JSON-serialisable extra information.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            Bad rate, lsb, channel list or subject.
        """
        for name, value in (("fs_hz", fs_hz), ("lsb_g", lsb_g)):
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(
                    f"{name} must be a positive number; got {value!r}", name=name, value=value
                )
        if not channels:
            raise ConfigError("a night needs at least one channel", name="channels")
        for ch in channels:
            if ch.side not in SIDES:
                raise ConfigError(
                    f"side must be one of {', '.join(SIDES)}; got {ch.side!r}",
                    name="side",
                    value=ch.side,
                    allowed=SIDES,
                )
        label = str(subject).strip()
        if not label:
            raise ConfigError("the subject label must not be empty", name="subject")
        now = utc_now_text()
        with self._write():
            subject_id = self._subject_id(label)
            cur = self.db.execute(
                "INSERT INTO nights (subject_id, start_utc, fs_hz, lsb_g, status, source, "
                "metadata_json, writer_host, writer_pid, heartbeat_utc, created_utc, updated_utc) "
                "VALUES (?, ?, ?, ?, 'recording', ?, ?, ?, ?, ?, ?, ?)",
                [
                    subject_id,
                    iso_text(start_utc),
                    float(fs_hz),
                    float(lsb_g),
                    source,
                    json.dumps(dict(metadata or {}), sort_keys=True, default=str),
                    self._host,
                    os.getpid(),
                    now,
                    now,
                    now,
                ],
            )
            night_id = int(cur.lastrowid or 0)
            for i, ch in enumerate(channels):
                dev = None if not ch.device else self._device_id(ch.device, side=ch.side)
                self.db.execute(
                    "INSERT INTO night_devices (night_id, channel, device_id, side) "
                    "VALUES (?, ?, ?, ?)",
                    [night_id, i, dev, ch.side],
                )
        return night_id

    def update_night_metadata(self, night_id: int, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into a night's metadata (JSON-serialisable); returns the result."""
        meta = self.night_metadata(night_id)
        meta.update(dict(updates))
        with self._write():
            self.db.execute(
                "UPDATE nights SET metadata_json = ?, updated_utc = ? WHERE id = ?",
                [json.dumps(meta, sort_keys=True), utc_now_text(), int(night_id)],
            )
        return meta

    def finish_night(
        self, night_id: int, end_utc: datetime | None = None, *, compact: bool = True
    ) -> None:
        """Close a night (status ``complete``): after recording, or to close an interrupted one.

        Parameters
        ----------
        night_id : int
        end_utc : datetime, optional
            Wall-clock end; by default start plus the stored samples' duration, else now.
        compact : bool
            First merge small blocks (see :meth:`compact_night`).
        """
        night = self._night_row(night_id)
        if compact:
            with self._errors():
                self.compact_night(night_id)
        if end_utc is None:
            start = parse_iso(night["start_utc"])
            if start is not None:
                end_utc = start + timedelta(seconds=night["n_samples"] / night["fs_hz"])
        self._set_status(night_id, "complete", end_utc=end_utc)

    def mark_interrupted(self, night_id: int) -> None:
        """Mark a night ``interrupted`` (its recording stopped without being closed)."""
        self._night_row(night_id)
        self._set_status(night_id, "interrupted")

    def resume_night(self, night_id: int, channel: int = 0) -> int:
        """Take over an interrupted (or recording) night to append more samples.

        Returns
        -------
        int
            The sequence number the next block of ``channel`` must start at.
        """
        self._night_row(night_id)
        self._set_status(night_id, "recording")
        return self.next_seq(night_id, channel)

    def _set_status(self, night_id: int, status: str, *, end_utc: datetime | None = None) -> None:
        now = utc_now_text()
        with self._write():
            if status == "recording":
                self.db.execute(
                    "UPDATE nights SET status = 'recording', end_utc = NULL, writer_host = ?, "
                    "writer_pid = ?, heartbeat_utc = ?, updated_utc = ? WHERE id = ?",
                    [self._host, os.getpid(), now, now, int(night_id)],
                )
            else:
                self.db.execute(
                    "UPDATE nights SET status = ?, end_utc = coalesce(?, end_utc), "
                    "writer_host = NULL, writer_pid = NULL, updated_utc = ? WHERE id = ?",
                    [status, iso_text(end_utc), now, int(night_id)],
                )

    def delete_night(self, night_id: int) -> None:
        """Delete a night with its samples, movements and minutes."""
        self._night_row(night_id)
        with self._write():
            self.db.execute("DELETE FROM nights WHERE id = ?", [int(night_id)])

    # --- listing ------------------------------------------------------------------------------

    _LIST_SQL = (
        "SELECT n.*, s.label AS subject, "
        "(SELECT group_concat(coalesce(d.address, ''), char(31)) FROM "
        "(SELECT nd.channel, dv.address FROM night_devices nd LEFT JOIN devices dv "
        "ON dv.id = nd.device_id WHERE nd.night_id = n.id ORDER BY nd.channel) d) AS devices, "
        "(SELECT group_concat(nd.side, char(31)) FROM "
        "(SELECT side FROM night_devices WHERE night_id = n.id ORDER BY channel) nd) AS sides "
        "FROM nights n JOIN subjects s ON s.id = n.subject_id"
    )

    def list_nights(
        self, subject: str | None = None, *, before: int | None = None, limit: int | None = None
    ) -> list[NightInfo]:
        """Nights in time order (oldest first).

        Parameters
        ----------
        subject : str, optional
            Only this subject's nights.
        before : int, optional
            Only nights that started before this night (for comparisons with previous nights).
        limit : int, optional
            Only the last ``limit`` nights.

        Returns
        -------
        list of NightInfo
        """
        where: list[str] = []
        params: list[Any] = []
        if subject is not None:
            where.append("s.label = ?")
            params.append(subject)
        if before is not None:
            ref = self._night_row(before)
            where.append("(coalesce(n.start_utc, n.created_utc), n.id) < (?, ?)")
            params += [ref["start_utc"] or ref["created_utc"], int(before)]
        sql = self._LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY coalesce(n.start_utc, n.created_utc) DESC, n.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, params)
        return [night_info_from_row(r) for r in reversed(rows)]

    def get_night(self, night_id: int) -> NightInfo:
        """One night's :class:`NightInfo`.

        Raises
        ------
        StorageError
            There is no such night.
        """
        rows = self._query(self._LIST_SQL + " WHERE n.id = ?", [int(night_id)])
        if not rows:
            raise StorageError(f"there is no night {night_id} in {self.path}", path=self.path)
        return night_info_from_row(rows[0])

    def night_metadata(self, night_id: int) -> dict[str, Any]:
        """The metadata given when the night was created."""
        return dict(json.loads(self._night_row(night_id)["metadata_json"] or "{}"))
