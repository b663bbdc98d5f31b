"""Sample blocks: append, read, compact and count a night's stored samples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.base import StoreBase
from rls_monitor.storage.blocks import CODECS, DEFAULT_CODEC, decode_block, encode_block
from rls_monitor.storage.rows import (
    utc_now_text,
)


class SamplesMixin(StoreBase):
    """Sample blocks: append, read, compact and count a night's stored samples."""

    def next_seq(self, night_id: int, channel: int = 0) -> int:
        """Sequence number (sample index) the next appended block of a channel must start at."""
        rows = self._query(
            "SELECT max(first_seq + n_samples) AS n FROM sample_blocks "
            "WHERE night_id = ? AND channel = ?",
            [int(night_id), int(channel)],
        )
        return int(rows[0]["n"] or 0)

    def append_samples(
        self,
        night_id: int,
        first_seq: int,
        counts: NDArray[np.integer[Any]],
        *,
        channel: int = 0,
        codec: str = DEFAULT_CODEC,
    ) -> int:
        """Append raw samples to a night being recorded, in bounded transactions.

        The samples are cut into blocks of ``block_s`` seconds; every transaction commits at most
        ``max_blocks_per_transaction`` blocks and updates the night's sample count and heartbeat,
        so a crash loses at most one transaction's blocks and never leaves a partial block.

        Parameters
        ----------
        night_id : int
            A night in status ``recording``.
        first_seq : int
            Sequence number (index from the night's first sample) of ``counts[0]``; at least
            :meth:`next_seq` (a larger value leaves a gap: samples the band lost).
        counts : ndarray of int16, shape (n, 3)
            Raw counts.
        channel : int
            The band's channel in the night.
        codec : str
            Block codec (see :mod:`rls_monitor.storage.blocks`).

        Returns
        -------
        int
            Number of samples written.

        Raises
        ------
        StorageError
            The night is not recording, or ``first_seq`` overlaps stored samples.
        ConfigError
            Bad counts or codec.
        """
        if codec not in CODECS:
            raise ConfigError(
                f"codec must be one of {', '.join(CODECS)}; got {codec!r}",
                name="codec",
                value=codec,
                allowed=CODECS,
            )
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[1] != 3:
            raise ConfigError(f"counts must have shape (n, 3); got {counts.shape}", name="counts")
        if int(first_seq) < 0:
            raise ConfigError(f"first_seq must be >= 0; got {first_seq}", name="first_seq")
        night = self._night_row(night_id)
        if night["status"] != "recording":
            raise StorageError(
                f"night {night_id} is {night['status']}, not recording; resume it first",
                path=self.path,
            )
        block = max(1, round(self.block_s * float(night["fs_hz"])))
        n = int(counts.shape[0])
        written = 0
        pos = 0
        seq = int(first_seq)
        while pos < n:
            with self._write():
                expected = int(
                    self.db.execute(
                        "SELECT coalesce(max(first_seq + n_samples), 0) FROM sample_blocks "
                        "WHERE night_id = ? AND channel = ?",
                        [int(night_id), int(channel)],
                    ).fetchone()[0]
                )
                if seq < expected:
                    raise StorageError(
                        f"night {night_id} channel {channel}: samples from {seq} overlap the "
                        f"stored ones (next expected sequence number {expected})",
                        path=self.path,
                    )
                if (
                    self.db.execute(
                        "SELECT 1 FROM night_devices WHERE night_id = ? AND channel = ?",
                        [int(night_id), int(channel)],
                    ).fetchone()
                    is None
                ):
                    raise StorageError(f"night {night_id} has no channel {channel}", path=self.path)
                rows = []
                for _ in range(self.max_blocks_per_transaction):
                    if pos >= n:
                        break
                    part = counts[pos : pos + block]
                    data, crc = encode_block(part, codec)
                    rows.append((int(night_id), int(channel), seq, len(part), codec, crc, data))
                    pos += len(part)
                    seq += len(part)
                self._connection.executemany(
                    "INSERT INTO sample_blocks (night_id, channel, first_seq, n_samples, codec, "
                    "crc32, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = sum(r[3] for r in rows)
                self.db.execute(
                    "UPDATE night_devices SET n_samples = ? WHERE night_id = ? AND channel = ?",
                    [seq, int(night_id), int(channel)],
                )
                self.db.execute(
                    "UPDATE nights SET n_samples = (SELECT min(n_samples) FROM night_devices "
                    "WHERE night_id = ?), heartbeat_utc = ?, updated_utc = ? WHERE id = ?",
                    [int(night_id), utc_now_text(), utc_now_text(), int(night_id)],
                )
                written += added
        return written

    def read_samples(
        self, night_id: int, channel: int = 0, *, fill_gaps: bool = True
    ) -> NDArray[np.int16]:
        """All stored samples of one channel of a night, each block checked against its CRC.

        Parameters
        ----------
        night_id : int
        channel : int
        fill_gaps : bool
            When blocks are not contiguous (samples the band lost), hold the last sample over
            the gap so sample ``i`` stays at ``i / fs_hz`` s; when False, raise instead.

        Returns
        -------
        ndarray of int16, shape (n, 3)

        Raises
        ------
        StorageError
            Unknown night, a block failing its checksum, or a gap with ``fill_gaps=False``.
        """
        self._night_row(night_id)
        parts: list[NDArray[np.int16]] = []
        expected = 0
        with self._errors():
            cur = self._connection.execute(
                "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                [int(night_id), int(channel)],
            )
            for first_seq, n_samples, codec, crc, data in cur:
                if first_seq > expected:
                    if not fill_gaps:
                        raise StorageError(
                            f"night {night_id}: samples {expected}..{first_seq - 1} are missing",
                            path=self.path,
                        )
                    last = parts[-1][-1] if parts else np.zeros(3, np.int16)
                    parts.append(np.repeat(last[None, :], first_seq - expected, axis=0))
                try:
                    parts.append(decode_block(bytes(data), int(n_samples), int(crc), codec))
                except StorageError as exc:
                    raise StorageError(
                        f"night {night_id}, block at sample {first_seq}: {exc}", path=self.path
                    ) from exc
                expected = first_seq + n_samples
        if not parts:
            return np.zeros((0, 3), dtype=np.int16)
        return np.concatenate(parts).astype(np.int16, copy=False)

    def read_accel_g(self, night_id: int, channel: int = 0) -> NDArray[np.float32]:
        """All samples of one channel as float32 g, decoded block by block into one array.

        The same values as ``read_samples(...).astype(np.float32) * np.float32(lsb_g)`` (gaps held
        over likewise), without the whole-night int16 copies: the memory of a whole night is
        the float32 array alone (about 17 MB for 8 h at 50 Hz).

        Parameters
        ----------
        night_id : int
        channel : int

        Returns
        -------
        ndarray of float32, shape (n, 3)
            Acceleration in g (the night's ``lsb_g`` per count).

        Raises
        ------
        StorageError
            Unknown night or a block failing its checksum.
        """
        row = self._night_row(night_id)
        lsb = np.float32(row["lsb_g"])
        with self._errors():
            (n,) = self._connection.execute(
                "SELECT coalesce(max(first_seq + n_samples), 0) FROM sample_blocks "
                "WHERE night_id = ? AND channel = ?",
                [int(night_id), int(channel)],
            ).fetchone()
            out = np.empty((int(n), 3), np.float32)
            cur = self._connection.execute(
                "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                [int(night_id), int(channel)],
            )
            expected = 0
            for first_seq, n_samples, codec, crc, data in cur:
                if first_seq > expected:  # samples the band lost: hold the last one over
                    out[expected:first_seq] = out[expected - 1] if expected else 0.0
                try:
                    block = decode_block(bytes(data), int(n_samples), int(crc), codec)
                except StorageError as exc:
                    raise StorageError(
                        f"night {night_id}, block at sample {first_seq}: {exc}", path=self.path
                    ) from exc
                out[first_seq : first_seq + n_samples] = block
                expected = first_seq + n_samples
        out *= lsb
        return out

    def compact_night(self, night_id: int) -> int:
        """Merge runs of small contiguous blocks (a live recording's) into blocks of ``block_s``.

        Each channel is rewritten in one transaction, every block verified against its checksum
        first; a crash leaves either the old blocks or the new ones.

        Parameters
        ----------
        night_id : int

        Returns
        -------
        int
            Number of blocks after compaction minus before (zero or negative).
        """
        night = self._night_row(night_id)
        target = max(1, round(self.block_s * float(night["fs_hz"])))
        delta = 0
        for channel in range(self._n_channels(night_id)):
            with self._write():
                blocks = self._connection.execute(
                    "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                    "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                    [int(night_id), channel],
                ).fetchall()
                runs: list[list[tuple[Any, ...]]] = []
                for b in blocks:
                    if runs and runs[-1][-1][0] + runs[-1][-1][1] == b[0]:
                        runs[-1].append(b)
                    else:
                        runs.append([b])
                for run in runs:
                    n_total = sum(b[1] for b in run)
                    if len(run) <= max(1, math.ceil(n_total / target)):
                        continue  # already as few blocks as it can be
                    counts = np.concatenate(
                        [decode_block(bytes(b[4]), int(b[1]), int(b[3]), b[2]) for b in run]
                    )
                    self.db.execute(
                        "DELETE FROM sample_blocks WHERE night_id = ? AND channel = ? "
                        "AND first_seq >= ? AND first_seq < ?",
                        [int(night_id), channel, run[0][0], run[0][0] + n_total],
                    )
                    rows = []
                    for pos in range(0, n_total, target):
                        part = counts[pos : pos + target]
                        data, crc = encode_block(part, DEFAULT_CODEC)
                        rows.append(
                            (
                                int(night_id),
                                channel,
                                run[0][0] + pos,
                                len(part),
                                DEFAULT_CODEC,
                                crc,
                                data,
                            )
                        )
                    self._connection.executemany(
                        "INSERT INTO sample_blocks (night_id, channel, first_seq, n_samples, "
                        "codec, crc32, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                    delta += len(rows) - len(run)
        return delta

    def sample_gaps(self, night_id: int, channel: int = 0) -> NDArray[np.int64]:
        """The stretches of a channel that hold no samples: lost by the band, or never recorded.

        Parameters
        ----------
        night_id : int
        channel : int

        Returns
        -------
        ndarray of int64, shape (k, 2)
            ``[start, stop)`` sequence numbers of each hole between stored blocks, in order.

        Raises
        ------
        StorageError
            Unknown night.
        """
        self._night_row(night_id)
        with self._errors():
            rows = self._connection.execute(
                "SELECT first_seq, n_samples FROM sample_blocks "
                "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                [int(night_id), int(channel)],
            ).fetchall()
        if not rows:
            return np.zeros((0, 2), np.int64)
        blocks = np.asarray(rows, dtype=np.int64)
        ends = np.concatenate(([0], blocks[:, 0] + blocks[:, 1]))[:-1]
        hole = blocks[:, 0] > ends
        return np.column_stack([ends[hole], blocks[hole, 0]])

    def stored_samples(self, night_ids: Sequence[int] | None = None) -> dict[int, int]:
        """Samples actually held in blocks, per night (its channel with the fewest).

        Unlike :attr:`NightInfo.n_samples` (the sequence number after the last stored sample),
        samples the band lost between blocks are not counted: this is what data completeness
        is computed from.

        Parameters
        ----------
        night_ids : sequence of int, optional
            Only these nights (every night when omitted, in one query).

        Returns
        -------
        dict
            Night id to stored samples (0 for a night without blocks).
        """
        sql = (
            "SELECT night_id, min(n) AS n FROM (SELECT nd.night_id, nd.channel, "
            "coalesce(sum(b.n_samples), 0) AS n FROM night_devices nd LEFT JOIN sample_blocks b "
            "ON b.night_id = nd.night_id AND b.channel = nd.channel{where} "
            "GROUP BY nd.night_id, nd.channel) GROUP BY night_id"
        )
        params: list[int] = []
        where = ""
        if night_ids is not None:
            params = [int(i) for i in night_ids]
            if not params:
                return {}
            where = f" WHERE nd.night_id IN ({', '.join('?' * len(params))})"
        rows = self._query(sql.format(where=where), params)
        return {int(r["night_id"]): int(r["n"]) for r in rows}

    def _n_channels(self, night_id: int) -> int:
        row = self._connection.execute(
            "SELECT count(*) FROM night_devices WHERE night_id = ?", [int(night_id)]
        ).fetchone()
        return int(row[0])
