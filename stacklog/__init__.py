"""stacklog: where Oracle Cloud provisioning time goes.

Read PSM activity-log jobs (files, folders, the REST API) into pandas DataFrames, time every
step, draw each job's timeline and write CSV reports.
"""

from __future__ import annotations

from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InputError,
    NotFoundError,
    ServerError,
    StacklogError,
    TransportError,
    UnexpectedResponseError,
)
from .load import JobLog, parse_jobs, read_jobs
from .report import write_report
from .timing import job_durations, step_durations, step_name, step_stats

__version__ = "0.1.0"

# Names whose modules pull in requests, matplotlib or ipywidgets load on first use, so that
# `import stacklog` and the report command stay quick.
_LAZY = {
    "PSMClient": "api",
    "fetch_jobs": "api",
    "plot_timeline": "plotting",
    "plot_jobs": "plotting",
    "plot_step_stats": "plotting",
    "plot_durations": "plotting",
    "explore": "widgets",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stacklog' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"stacklog.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "InputError",
    "JobLog",
    "NotFoundError",
    "PSMClient",
    "ServerError",
    "StacklogError",
    "TransportError",
    "UnexpectedResponseError",
    "explore",
    "fetch_jobs",
    "job_durations",
    "parse_jobs",
    "plot_durations",
    "plot_jobs",
    "plot_step_stats",
    "plot_timeline",
    "read_jobs",
    "step_durations",
    "step_name",
    "step_stats",
    "write_report",
]
