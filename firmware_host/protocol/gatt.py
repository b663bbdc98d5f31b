"""The band's GATT profile: the UUIDs of its own service and of the standard services it offers.

On BLE every frame is one notification of the data characteristic, every command one write to
the control characteristic; the info characteristic holds the band's info record
(:mod:`firmware_host.protocol.info`).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "CONTROL_CHAR_UUID",
    "DATA_CHAR_UUID",
    "DEVICE_INFO_SERVICE_UUID",
    "FIRMWARE_REVISION_UUID",
    "INFO_CHAR_UUID",
    "MANUFACTURER_NAME_UUID",
    "MODEL_NUMBER_UUID",
    "SERIAL_NUMBER_UUID",
    "SERVICE_UUID",
]

#: The band's own service (random 128-bit UUIDs, generated once; the data/control/info
#: characteristics differ in the first group only).
SERVICE_UUID: Final = "5e6d0001-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Notify: one frame per notification (band -> host).
DATA_CHAR_UUID: Final = "5e6d0002-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Write with response: one command per write (host -> band).
CONTROL_CHAR_UUID: Final = "5e6d0003-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Read: the band's info record (:func:`firmware_host.protocol.info.encode_info`), the same
#: bytes GET_INFO returns.
INFO_CHAR_UUID: Final = "5e6d0004-83c4-4d3b-9f0a-6b2f1c8e2a71"

BATTERY_SERVICE_UUID: Final = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID: Final = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO_SERVICE_UUID: Final = "0000180a-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER_UUID: Final = "00002a24-0000-1000-8000-00805f9b34fb"
SERIAL_NUMBER_UUID: Final = "00002a25-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID: Final = "00002a26-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME_UUID: Final = "00002a29-0000-1000-8000-00805f9b34fb"
