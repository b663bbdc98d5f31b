"""Simulated bands people can buy: the device side of the vendors' published protocols.

Each is a peripheral of the simulated air (:mod:`firmware_host.ble_air`), reached by the host
through bleak's ``backend=`` hook exactly as a radio would be, and speaking its vendor's frames:

- :mod:`~firmware_host.devices.sensor`: what they share: a night's samples played in simulated
  time, link drops injected, the Device Information and Battery services;
- :mod:`~firmware_host.devices.movesense`: a Movesense sensor running the GATT sensor-data app;
- :mod:`~firmware_host.devices.polar`: a Polar Verity Sense on its PMD service.

Nothing here imports ``rls_monitor``: these are the devices, not the host.
"""
