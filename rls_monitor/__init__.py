"""rls-monitor: leg movements during sleep from an ankle accelerometer band.

A monitoring aid, not a diagnosis. Scores leg movements (LM) and periodic limb movements (PLM) by the
WASM/IRLSSG 2016 standard (AASM as an option), transposed from tibialis EMG to acceleration.

The Python API comes first; the ``rls-monitor`` command line is a thin layer over it::

    import rls_monitor

    recording = rls_monitor.read_recording("night.csv")
    result = rls_monitor.score(recording, rules="wasm2016")
    result.to_dict()["indices"]["plm_per_h"]
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from rls_monitor.errors import RLSMonitorError
from rls_monitor.events import EventList, read_event_list
from rls_monitor.recording import Recording, read_recording, write_csv
from rls_monitor.scoring import ScoreResult, format_summary, score

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "EventList",
    "RLSMonitorError",
    "Recording",
    "ScoreResult",
    "__version__",
    "format_summary",
    "read_event_list",
    "read_recording",
    "score",
    "write_csv",
]
