"""Subjects: the people whose nights are stored."""

from __future__ import annotations

from rls_monitor.errors import ConfigError
from rls_monitor.storage.base import StoreBase
from rls_monitor.storage.rows import (
    utc_now_text,
)


class SubjectsMixin(StoreBase):
    """Subjects: the people whose nights are stored."""

    def upsert_subject(self, label: str) -> int:
        """The id of the subject with this pseudonymous label, created when new.

        Parameters
        ----------
        label : str
            A pseudonym (e.g. ``"P01"``); never needs to be a real name.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            If the label is empty.
        """
        label = str(label).strip()
        if not label:
            raise ConfigError("the subject label must not be empty", name="subject", value=label)
        with self._write():
            return self._subject_id(label)

    def _subject_id(self, label: str) -> int:
        self.db.execute(
            "INSERT INTO subjects (label, created_utc) VALUES (?, ?) ON CONFLICT (label) DO NOTHING",
            [label, utc_now_text()],
        )
        row = self.db.execute("SELECT id FROM subjects WHERE label = ?", [label]).fetchone()
        return int(row[0])

    def list_subjects(self) -> list[str]:
        """Labels of every subject, sorted."""
        return [r["label"] for r in self._query("SELECT label FROM subjects ORDER BY label")]
