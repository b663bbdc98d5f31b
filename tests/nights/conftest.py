"""Fixtures of the nights tests: the store's (a database on disk, a short simulated night)."""

from __future__ import annotations

from tests.storage.conftest import db_path, recording

FIXTURES = (db_path, recording)
