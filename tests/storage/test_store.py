"""The store on real SQLite files: creation, refusal of foreign files, blocks, scores, checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.storage import Channel, Store
from tests.storage.conftest import counts


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"fs_hz": 0.0, "lsb_g": 1e-3}, "fs_hz"),
        ({"fs_hz": 50.0, "lsb_g": float("nan")}, "lsb_g"),
        ({"fs_hz": 50.0, "lsb_g": 1e-3, "channels": ()}, "channels"),
        ({"fs_hz": 50.0, "lsb_g": 1e-3, "channels": (Channel(side="middle"),)}, "side"),
    ],
)
def test_bad_night_arguments(db_path: Path, kwargs: dict, name: str) -> None:
    with Store(db_path) as store, pytest.raises(ConfigError) as info:
        store.create_night("P01", **kwargs)
    assert info.value.name == name


def test_two_legs_and_devices(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_device(
            "AA:01", name="band-L", firmware="1.2", calibration={"offset_g": [0.01, 0, 0]}
        )
        night = store.create_night(
            "P01",
            fs_hz=50.0,
            lsb_g=2**-12,
            channels=[Channel("left", "AA:01"), Channel("right", "AA:02")],
        )
        store.append_samples(night, 0, counts(100), channel=0)
        store.append_samples(night, 0, counts(80, 7), channel=1)
        info = store.get_night(night)
        assert info.devices == ("AA:01", "AA:02")
        assert info.sides == ("left", "right")
        assert info.n_samples == 80  # the shorter channel
        np.testing.assert_array_equal(store.read_samples(night, 1), counts(80, 7))
        dev = store.get_device("AA:01")
        assert dev is not None and dev["calibration"] == {"offset_g": [0.01, 0, 0]}
        assert dev["firmware"] == "1.2" and dev["side"] == "left"
        store.upsert_device("AA:01", firmware="1.3")
        dev = store.get_device("AA:01")
        assert dev is not None and dev["firmware"] == "1.3" and dev["name"] == "band-L"
        store.delete_night(night)
        assert store.db.execute("SELECT count(*) FROM sample_blocks").fetchone()[0] == 0


def test_paired_devices_are_the_pairings_only(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.paired_devices() == []
        store.upsert_device("AA:09", name="seen in a night", side="left")  # never paired
        store.set_pairing("/dev/ttyACM0", device_id="RLS-2", side="right", subject="P1")
        store.set_pairing("AA:01", device_id="RLS-1", side="left", subject="P1", serial="SN1")
        paired = store.paired_devices()
    assert [(d["address"], d["device_id"], d["side"]) for d in paired] == [
        ("/dev/ttyACM0", "RLS-2", "right"),
        ("AA:01", "RLS-1", "left"),
    ]
    assert paired[1]["serial"] == "SN1" and paired[1]["subject"] == "P1" and paired[1]["paired_utc"]


def test_list_nights_orders_filters_and_compares(db_path: Path) -> None:
    with Store(db_path) as store:
        ids = {}
        for day, subject in [(3, "A"), (1, "A"), (2, "B"), (4, "A")]:
            ids[day] = store.create_night(
                subject, fs_hz=50.0, lsb_g=2**-12, start_utc=datetime(2026, 11, day, 22, tzinfo=UTC)
            )
        assert [n.id for n in store.list_nights()] == [ids[1], ids[2], ids[3], ids[4]]
        assert [n.id for n in store.list_nights("A")] == [ids[1], ids[3], ids[4]]
        assert [n.id for n in store.list_nights("A", before=ids[4])] == [ids[1], ids[3]]
        assert [n.id for n in store.list_nights(limit=2)] == [ids[3], ids[4]]
        assert store.list_subjects() == ["A", "B"]


def test_the_listing_carries_each_nights_metadata(db_path: Path) -> None:
    with Store(db_path) as store:
        first = store.create_night("A", fs_hz=50.0, lsb_g=2**-12, metadata={"bands": 2})
        second = store.create_night("A", fs_hz=50.0, lsb_g=2**-12)
        store.update_night_metadata(second, {"clock": {"offset_s": 0.5}})
        listed = {n.id: n.metadata for n in store.list_nights()}
        assert listed == {i: store.night_metadata(i) for i in (first, second)}
        assert listed[first] == {"bands": 2}
        assert store.get_night(second).metadata == {"clock": {"offset_s": 0.5}}
