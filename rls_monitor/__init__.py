"""rls-monitor: leg movements during sleep from an ankle accelerometer band.

A monitoring aid, not a diagnosis. Scores leg movements (LM) and periodic limb
movements (PLM) by the WASM/IRLSSG 2016 standard (AASM as an option), transposed
from tibialis EMG to acceleration.
"""

from __future__ import annotations

import logging

from rls_monitor.errors import RLSMonitorError

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["RLSMonitorError", "__version__"]
