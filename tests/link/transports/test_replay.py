"""Frame captures: written, read back, replayed as a transport."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import DeviceNotFound, LinkLost, RecordingError
from rls_monitor.link.transports import open_transport
from rls_monitor.link.transports.replay import CaptureWriter, read_capture


def _capture(path: Path, frames: list[bytes]) -> None:
    writer = CaptureWriter(path)
    for i, frame in enumerate(frames):
        writer.write(100.0 + 0.5 * i, frame)
    writer.close()


def test_a_capture_reads_back_with_relative_times(tmp_path: Path) -> None:
    frames = [b"\x11\x00abc", b"", bytes(range(256))]
    _capture(tmp_path / "c.rlscap", frames)
    assert list(read_capture(tmp_path / "c.rlscap")) == [
        (0.0, frames[0]),
        (0.5, frames[1]),
        (1.0, frames[2]),
    ]


def test_a_truncated_last_record_is_ignored_and_garbage_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.rlscap"
    _capture(path, [b"one", b"two"])
    path.write_bytes(path.read_bytes()[:-1])  # killed mid-write
    assert [f for _, f in read_capture(path)] == [b"one"]
    (tmp_path / "x.rlscap").write_bytes(b"not a capture")
    with pytest.raises(RecordingError, match="bad magic"):
        list(read_capture(tmp_path / "x.rlscap"))


async def test_replay_transport_plays_the_frames_then_reports_the_end(tmp_path: Path) -> None:
    frames = [bytes([i]) * 20 for i in range(50)]
    _capture(tmp_path / "c.rlscap", frames)
    transport = open_transport(f"replay:{tmp_path / 'c.rlscap'}")
    async with transport:
        await transport.send(b"\x01")  # counted, not answered
        got = []
        with pytest.raises(LinkLost, match="end of capture"):
            while True:
                frame = await transport.receive(timeout_s=2.0)
                assert frame is not None
                got.append(frame.data)
    assert got == frames


async def test_replay_of_a_missing_file_is_device_not_found(tmp_path: Path) -> None:
    with pytest.raises(DeviceNotFound):
        await open_transport(f"replay:{tmp_path / 'none.rlscap'}").open()
