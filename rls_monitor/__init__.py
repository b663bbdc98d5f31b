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

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from rls_monitor.errors import RLSMonitorError

if TYPE_CHECKING:
    from rls_monitor.events import EventList, read_event_list
    from rls_monitor.recording import Recording, read_recording, write_csv
    from rls_monitor.scoring import ScoreResult, format_summary, score

# The scientific stack (NumPy, SciPy) is loaded on first use of the API, not when the package is
# imported: the command line then starts at once, and a Ctrl-C during start-up meets its handler.
_LAZY = {
    "EventList": "rls_monitor.events",
    "read_event_list": "rls_monitor.events",
    "Recording": "rls_monitor.recording",
    "read_recording": "rls_monitor.recording",
    "write_csv": "rls_monitor.recording",
    "ScoreResult": "rls_monitor.scoring",
    "format_summary": "rls_monitor.scoring",
    "score": "rls_monitor.scoring",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rls_monitor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
