"""Server-side guards of the Complexity page: budgets from the environment, one measurement at a time."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

BUDGET_ENV = "ATTENTION_EXPLORER_MEMORY_BUDGET_MB"
TIME_ENV = "ATTENTION_EXPLORER_TIME_BUDGET_S"
DATA = Path(__file__).resolve().parents[1] / "attention" / "data" / "gpu_attention_h100.csv"

# One measurement per server process: timings taken side by side would measure each other.
MEASUREMENT_LOCK = threading.Lock()


def _env_number(name: str, default: float, lo: float, hi: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(value, lo), hi) if value == value else default  # NaN -> default


def memory_budget_bytes() -> int:
    """Peak memory one measurement may use (default 512 MB; the deployer sets it)."""
    return int(_env_number(BUDGET_ENV, 512, 16, 65536) * 2**20)


def time_budget_s() -> float:
    """Wall time one measurement run may take (default 10 s)."""
    return _env_number(TIME_ENV, 10.0, 1.0, 600.0)


def gpu_reference() -> pd.DataFrame:
    """The H100 measurements shipped with the app (provenance: attention/data/README.md)."""
    return pd.read_csv(DATA)


def rows_table(rows) -> pd.DataFrame:
    """The sweep's rows as a table for display and CSV download."""
    return pd.DataFrame(
        {
            "method": [r.method for r in rows],
            "n": [r.n for r in rows],
            "d": [r.d for r in rows],
            "heads": [r.heads for r in rows],
            "status": [r.status for r in rows],
            "median ms": [r.median_s * 1e3 for r in rows],
            "fastest ms": [r.low_s * 1e3 for r in rows],
            "slowest ms": [r.high_s * 1e3 for r in rows],
            "peak MiB": [r.peak_bytes / 2**20 for r in rows],
            "estimated MiB": [r.estimate_bytes / 2**20 for r in rows],
            "GFLOP/s": [r.gflops for r in rows],
        }
    )
