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

import signal
import sys


def _end_quietly(signum: int, frame: object) -> None:
    """A Ctrl-C while the program is still loading: exit 130, no traceback."""
    sys.stderr.write("Interrupted.\n")
    raise SystemExit(130)


# Started as the program (``python -m rls_monitor``: argv[0] is "-m" while the module is
# located; or the ``rls-monitor`` console script), a Ctrl-C that lands while this package is
# still importing would otherwise end in a traceback from inside an import; ``__main__.run``
# puts Python's own handler back once the command line is loaded. Imported as a library, the
# program's signal handling is left alone.
_STARTED_AS_PROGRAM = sys.argv[:1] == ["-m"] or sys.argv[0].endswith(
    ("rls-monitor", "rls-monitor.exe")
)
if _STARTED_AS_PROGRAM and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _end_quietly)

import logging  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

__version__ = "0.1.0"

from rls_monitor.errors import RLSMonitorError  # noqa: E402
from rls_monitor.lazy import lazy_names  # noqa: E402

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


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


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
