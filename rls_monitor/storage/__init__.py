"""The SQLite store of nights (the only user of sqlite-utils).

See ``docs/storage.md`` for the schema, the file's location and its safety guarantees.
"""

from __future__ import annotations

from rls_monitor.storage.base import default_db_path
from rls_monitor.storage.blocks import (
    CODECS,
    DEFAULT_CODEC,
    crc32_counts,
    decode_block,
    encode_block,
)
from rls_monitor.storage.integrity import CheckReport
from rls_monitor.storage.migrations import APPLICATION_ID, SCHEMA_VERSION
from rls_monitor.storage.rows import NIGHT_STATUSES, Channel, NightInfo
from rls_monitor.storage.store import Store

__all__ = [
    "APPLICATION_ID",
    "CODECS",
    "DEFAULT_CODEC",
    "NIGHT_STATUSES",
    "SCHEMA_VERSION",
    "Channel",
    "CheckReport",
    "NightInfo",
    "Store",
    "crc32_counts",
    "decode_block",
    "default_db_path",
    "encode_block",
]
