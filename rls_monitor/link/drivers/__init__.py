"""Device drivers: one per device family, between the BLE transport and the band session.

A driver turns one family's stream into the session's samples (int16 counts with ``lsb_g``, at
a known rate, placed on the night's timeline by the device's own timestamps) and says what the
device can and cannot do (:class:`~rls_monitor.link.drivers.base.Capabilities`).

- :mod:`~rls_monitor.link.drivers.base`: the driver interface, capabilities, the timeline that
  places a vendor's timestamped blocks, and the driver of our own band's protocol;
- :mod:`~rls_monitor.link.drivers.movesense`: Movesense (GATT SensorData Protocol);
- :mod:`~rls_monitor.link.drivers.polar`: Polar Verity Sense / H10 (PMD service);
- :mod:`~rls_monitor.link.drivers.nus`: a home-made band speaking our protocol over the Nordic
  UART Service;
- :mod:`~rls_monitor.link.drivers.families`: the families by name (for ``--band`` and ``scan``).
"""
