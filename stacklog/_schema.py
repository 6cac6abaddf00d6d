"""One map from PSM API keys to column names, the column lists, dtypes and status words."""

from __future__ import annotations

import re

#: API key -> column name, for the documented fields of a job object, in column order.
JOB_KEYS: dict[str, str] = {
    "jobId": "job_id",
    "activityLogId": "activity_log_id",
    "serviceId": "service_id",
    "operationId": "operation_id",
    "serviceName": "service_name",
    "serviceType": "service_type",
    "operationType": "operation_type",
    "status": "status",
    "summaryMessage": "summary_message",
    "identityDomain": "identity_domain",
    "authDomain": "auth_domain",
    "authUser": "auth_user",
    "initiatedBy": "initiated_by",
    "startDate": "start_date",
    "endDate": "end_date",
}

ID_COLUMNS = ("job_id", "activity_log_id", "service_id", "operation_id")
DATE_COLUMNS = ("start_date", "end_date")

#: The fixed columns of ``JobLog.jobs``; undocumented keys follow as snake_case columns.
JOB_COLUMNS = (*JOB_KEYS.values(), "message_count", "source")
MESSAGE_COLUMNS = ("job_id", "seq", "activity_date", "message")
PROBLEM_COLUMNS = ("source", "job_id", "field", "reason")

#: Timestamps: tz-aware UTC at microsecond resolution (PSM gives milliseconds).
TIMESTAMP_DTYPE = "datetime64[us, UTC]"
ID_DTYPE = "Int64"

#: Canonical status words, and the spellings seen in the wild.
STATUSES = ("NEW", "RUNNING", "SUCCEED", "FAILED", "WARN")
FINAL_STATUSES = frozenset({"SUCCEED", "FAILED", "WARN"})
_STATUS_ALIASES = {
    "new": "NEW",
    "submitted": "NEW",
    "running": "RUNNING",
    "in progress": "RUNNING",
    "in_progress": "RUNNING",
    "inprogress": "RUNNING",
    "succeed": "SUCCEED",
    "succeeded": "SUCCEED",
    "success": "SUCCEED",
    "successful": "SUCCEED",
    "completed": "SUCCEED",
    "failed": "FAILED",
    "fail": "FAILED",
    "failure": "FAILED",
    "warn": "WARN",
    "warning": "WARN",
}
#: How far a status has advanced, to pick the most advanced copy of a job seen twice.
STATUS_RANK = {"NEW": 0, "RUNNING": 1, "SUCCEED": 2, "FAILED": 2, "WARN": 2}


def canonical_status(value: object) -> object:
    """Return the canonical upper-case status word; unknown words are kept (stripped)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    return _STATUS_ALIASES.get(text.lower(), text)


_CAMEL_1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def snake_case(key: str) -> str:
    """``resourceName`` -> ``resource_name``; ``serverType`` -> ``server_type``."""
    text = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", key))
    return _NON_WORD.sub("_", text).strip("_").lower() or "field"
