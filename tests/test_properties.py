"""Property tests: random and broken job bodies either load or raise StacklogError; in skip
mode no job is silently lost; the public API is pinned."""

from __future__ import annotations

import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stacklog
from stacklog import StacklogError, job_durations, parse_jobs, step_durations

timestamps = st.one_of(
    st.datetimes(min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2040-01-01").to_pydatetime()).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
message = st.one_of(
    st.fixed_dictionaries({"activityDate": timestamps, "message": st.one_of(st.text(), st.none())}),
    scalars,
)
job_ids = st.one_of(st.integers(min_value=-5, max_value=2**64), st.text(max_size=6),
                    st.just("No Job Submitted"), st.none(), st.floats(allow_nan=False))
jobs = st.fixed_dictionaries(
    {"jobId": job_ids},
    optional={
        "status": st.one_of(st.sampled_from(["NEW", "RUNNING", "SUCCEED", "FAILED", "Failed",
                                             "In Progress"]), scalars),
        "serviceName": scalars,
        "serviceType": scalars,
        "startDate": timestamps,
        "endDate": timestamps,
        "messages": st.one_of(st.lists(message, max_size=6), scalars),
        "resourceId": scalars,
    },
)
documents = st.one_of(jobs, st.lists(jobs, max_size=6),
                      st.fixed_dictionaries({"activityLogs": st.lists(jobs, max_size=6)}), scalars)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_loader_loads_or_raises_stacklog_error(doc):
    try:
        log = parse_jobs(doc)
    except StacklogError:
        return
    step_durations(log)
    job_durations(log)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(jobs, max_size=8))
def test_skip_mode_loses_no_job(bodies):
    text = json.dumps(bodies)
    log = parse_jobs(text, errors="skip")
    skipped = log.problems[log.problems["action"] == "skipped"]
    # each body is loaded, set aside, or a duplicate of a loaded job id
    loaded_ids = set(log.jobs["job_id"].tolist())
    assert len(log.jobs) == len(loaded_ids)
    assert len(log.jobs) + len(skipped) <= len(bodies)
    duplicates = len(bodies) - len(skipped) - len(log.jobs)
    assert duplicates >= 0
    # every message of every loaded job is kept
    assert int(log.jobs["message_count"].sum()) == len(log.messages)
    # the jobs set aside are exactly the bodies without a usable id or with bad messages
    assert len(skipped["field"]) == len(skipped)


def test_public_api_is_pinned():
    assert sorted(stacklog.__all__) == sorted([
        "APIError", "AuthenticationError", "BadRequestError", "InputError", "JobLog",
        "NotFoundError", "PSMClient", "ServerError", "StacklogError", "TransportError",
        "UnexpectedResponseError", "explore", "fetch_jobs", "job_durations", "parse_jobs",
        "plot_durations", "plot_jobs", "plot_step_stats", "plot_timeline", "read_jobs",
        "step_durations", "step_name", "step_stats", "write_report",
    ])
    for name in stacklog.__all__:
        assert hasattr(stacklog, name), name
