"""The Arrow fast path of read_jobs gives exactly what the careful path gives, or gives way."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stacklog import read_jobs
from stacklog.load import _expand, _fast_read, _read_careful, _shape

ROOT = Path(__file__).resolve().parent.parent


def both(*sources):
    targets = list(_expand(sources))
    fast = _fast_read([p for p, _ in targets])
    careful = _read_careful(targets, "raise")
    return fast, careful


def assert_same(fast, careful):
    assert fast is not None, "the fast path gave way"
    pd.testing.assert_frame_equal(fast.jobs, careful.jobs)
    pd.testing.assert_frame_equal(fast.messages, careful.messages)
    assert fast.problems.empty and careful.problems.empty


def body(job_id, status="SUCCEED", times=("2026-01-01T00:00:00.000+0000",), texts=None,
         end=True, **extra):
    texts = texts or [f"step {i}" for i in range(len(times))]
    b = {"jobId": job_id, "serviceName": f"svc{job_id}", "serviceType": "JaaS",
         "operationType": "SCALE_OUT", "status": status, "startDate": times[0],
         "messages": [{"activityDate": t, "message": m} for t, m in zip(times, texts)]}
    if end:
        b["endDate"] = times[-1]
    b.update(extra)
    return b


def test_real_and_sample_data_take_the_fast_path():
    assert_same(*both(ROOT / "data" / "examples"))
    assert_same(*both(ROOT / "data" / "sample"))


def test_tricky_but_valid_inputs(tmp_path):
    unsorted = body(5, times=["2026-01-01T00:00:05.000+0000", "2026-01-01T00:00:01.000Z",
                              "2026-01-01T00:00:05.000+00:00", "2026-01-01T05:30:03+0530",
                              "2026-01-01T00:00:05.000123+0000"],
                    texts=["c", "a", "d", 'b, "quoted"\nnew line', "é ✓ 漢字"])
    running = body(7, status="RUNNING", end=False, times=["2026-01-02T00:00:00.000+0000"])
    final = body(7, status="Succeeded", times=["2026-01-02T00:00:00.000+0000",
                                               "2026-01-02T00:10:00.000+0000"])
    no_msgs = body(3, status="NEW", end=False)
    del no_msgs["messages"]
    null_msgs = body(4, status="NEW", end=False)
    null_msgs["messages"] = None
    empty_msgs = body(6, messages=[])
    no_text = body(8)
    del no_text["messages"][0]["message"]
    big = body(2**53 + 1, host="h1", resourceId=97931, weight=1.5, flag=True)
    odd = body(1, serverType="WLS", resourceId=None)
    (tmp_path / "a").mkdir()
    # one pretty-printed job per file, file order unlike id order, a duplicate across files
    for i, b in enumerate([unsorted, running, no_msgs, big]):
        (tmp_path / "a" / f"job-{i}.json").write_text(json.dumps(b, indent=2))
    (tmp_path / "a" / "compact.json").write_text(json.dumps(empty_msgs))
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(b) for b in
                                                 [final, null_msgs, no_text, odd]) + "\n\n")
    fast, careful = both(tmp_path / "a", tmp_path / "b.ndjson")
    assert_same(fast, careful)
    assert list(fast.jobs["job_id"]) == [1, 3, 4, 5, 6, 7, 8, 2**53 + 1]
    assert fast.jobs.set_index("job_id").loc[7, "status"] == "SUCCEED"
    five = fast.messages[fast.messages["job_id"] == 5]
    assert list(five["message"]) == ["a", 'b, "quoted"\nnew line', "c", "d", "é ✓ 漢字"]


@pytest.mark.parametrize("content", [
    pytest.param(json.dumps(body("12")), id="string job id"),
    pytest.param(json.dumps({"activityLogs": [body(1)]}), id="listing"),
    pytest.param(json.dumps([body(1), body(2)]), id="array"),
    pytest.param("\ufeff" + json.dumps(body(1)), id="bom"),
    pytest.param(json.dumps(body(1, times=["2026-01-01 00:00:00"])), id="naive time"),
    pytest.param(json.dumps(body(1, meta={"a": 1})), id="nested extra"),
    pytest.param(json.dumps(dict(body(1), messages=[{"message": "no time"}])), id="no time"),
    pytest.param(json.dumps(body(1)) + "\r\n" + json.dumps(body(2)), id="crlf"),
    pytest.param(json.dumps(dict(body(1), messages=[None])), id="null message"),
    pytest.param(json.dumps(dict(body(1), serviceName=12)), id="number as name"),
    pytest.param(json.dumps(dict(body(1), jobId=-1)), id="negative id"),
    pytest.param(json.dumps(dict(body(1), startDate="soon")), id="bad start"),
    pytest.param(json.dumps(dict(body(1), serverType="a", server_type="b")), id="clash"),
])
def test_inputs_the_fast_path_leaves_to_the_careful_path(tmp_path, content):
    p = tmp_path / "x.json"
    p.write_text(content)
    assert _fast_read([str(p)]) is None
    try:
        read_jobs(p, errors="skip")             # still read (or reported) by the careful path
    except Exception as exc:                     # pragma: no cover - shows what failed
        pytest.fail(f"careful path failed: {exc!r}")


@pytest.mark.parametrize("data,expected", [
    (b'{"a": 1}', "one"),
    (b'  {\n  "a": {\n    "b": 1\n  }\n}\n', "pretty"),
    (b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', "lines"),
    (b'{"a": 1}\r\n{"a": 2}', None),
    (b"[1]", None),
    (b"", None),
    (b'{\n"a": {\n}\n}', "pretty"),
    (b'{\n"a":\n{\n"b": 1\n}\n}', "lines"),    # flush-left nesting: the reader refuses it
])
def test_shape(data, expected):
    assert _shape(data) == expected


def test_flush_left_nesting_goes_to_the_careful_path(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{\n"jobId": 1,\n"messages":\n[\n{\n"activityDate": '
                 '"2026-01-01T00:00:00.000+0000",\n"message": "m"\n}\n]\n}')
    assert _fast_read([str(p)]) is None
    assert list(read_jobs(p).jobs["job_id"]) == [1]


def test_a_large_ndjson_file_is_parsed_on_its_own(tmp_path, monkeypatch):
    import stacklog.load as load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 400)     # every NDJSON file is "large"
    (tmp_path / "a.json").write_text(json.dumps(body(1), indent=2))
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(body(i)) for i in (2, 3, 4)))
    (tmp_path / "c.json").write_text(json.dumps(body(5)))
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert list(fast.jobs["source"]) == [str(tmp_path / n) for n in
                                         ("a.json", "b.ndjson", "b.ndjson", "b.ndjson", "c.json")]
