"""Opening a link: the factory picks the backend a spec names."""

from __future__ import annotations

from rls_monitor.link.transports import TransportSpec, open_transport


def test_factory_builds_each_kind_without_connecting(tmp_path: object) -> None:
    assert type(open_transport("serial:/dev/ttyACM9")).__name__ == "SerialTransport"
    assert type(open_transport("replay:x.rlscap")).__name__ == "CaptureReplayTransport"
    spec = TransportSpec("ble", "AA:BB:CC:DD:EE:FF")
    ble = open_transport(spec, service_uuid="6e4a0001-0000-4000-8000-00805f9b34fb")
    assert type(ble).__name__ == "BleTransport"
    assert ble.state == "closed"
