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

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "InputError",
    "JobLog",
    "NotFoundError",
    "ServerError",
    "StacklogError",
    "TransportError",
    "UnexpectedResponseError",
    "job_durations",
    "parse_jobs",
    "read_jobs",
    "step_durations",
    "step_name",
    "step_stats",
    "write_report",
]
