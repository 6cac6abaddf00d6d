"""The Arrow fast path of read_jobs gives exactly what the careful path gives, or gives way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stacklog import read_jobs
from stacklog.load import _expand, _fast_read, _line_starts, _read_careful, _replace, _shapes

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


def shapes(*files: bytes):
    """_shapes of files laid out as the fast path lays them: each followed by a newline."""
    data = bytearray(b"".join(f + b"\n" for f in files))
    ends = np.cumsum([len(f) + 1 for f in files]) - 1
    found = _shapes(data, len(data), ends)
    return None if found is None else [(int(r), bool(s)) for r, s in zip(*found)]


@pytest.mark.parametrize("data,expected", [
    (b'{"a": 1}', (1, True)),
    (b'  {\n  "a": {\n    "b": 1\n  }\n}\n', (1, True)),
    (b'\r\n\t{"a": 1}\t \n\n', (1, True)),
    (b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', (3, False)),
    (b'{"a": 1}  \n{"a": 2}', (2, False)),
    (b'{"a": 1}  \r\n{"a": 2}', None),             # Arrow would take the CR for a line end
    (b"[1]", None),
    (b"", None),
    (b"  \n ", None),
    (b"{", None),
    (b'{"a": 1', None),
    (b'{\n"a": {\n}\n}', (1, True)),
    (b'{\n"a":\n{\n"b": 1\n}\n}', (1, True)),    # flush-left nesting
    (b'{\n"a": 1\n}\n{\n"a": 2\n}', (1, True)),   # two objects: the reader finds 2 rows
])
def test_shape_of_one_file(data, expected):
    assert shapes(data) == (None if expected is None else [expected])
    # the same among other files, before and after
    both_sides = shapes(b'{"x": 0}', data, b' {\n "y": 1}\n')
    assert both_sides == (None if expected is None else [(1, True), expected, (1, True)])


def test_shapes_of_many_files():
    files = [b'{"a": 1}\n{"a": 2}', b"{\n}", b'{"a":1}\n{"a":2}\n{"a":3}', b" {}",
             b"\n{\n\n}\n"]
    assert shapes(*files) == [(2, False), (1, True), (3, False), (1, True), (1, True)]
    assert shapes(*files, b"") is None
    assert shapes(b'{"a": 1}\n{"a": 2}\r', b"{\r\n}") is None     # CR in a lines file
    assert shapes(b'{"a": 1}\n{"a": 2}', b"{\r\n}") == [(2, False), (1, True)]


def test_flush_left_nesting_takes_the_fast_path_too(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{\n"jobId": 1,\n"messages":\n[\n{\n"activityDate": '
                 '"2026-01-01T00:00:00.000+0000",\n"message": "m"\n}\n]\n}')
    assert_same(*both(p))
    assert list(read_jobs(p).jobs["job_id"]) == [1]


def test_a_file_of_two_pretty_objects_goes_to_the_careful_path(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(body(1), indent=2))
    (tmp_path / "b.json").write_text(json.dumps(body(2), indent=2) + "\n"
                                     + json.dumps(body(3), indent=2))
    assert _fast_read([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) is None
    log = read_jobs(tmp_path, errors="skip")      # the careful path reports it
    assert list(log.jobs["job_id"]) == [1]
    assert list(log.problems["source"]) == [str(tmp_path / "b.json")]


def test_a_large_ndjson_file_is_parsed_on_its_own(tmp_path, monkeypatch):
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 400)     # every NDJSON file is "large"
    (tmp_path / "a.json").write_text(json.dumps(body(1), indent=2))
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(body(i)) for i in (2, 3, 4)))
    (tmp_path / "c.json").write_text(json.dumps(body(5)))
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert list(fast.jobs["source"]) == [str(tmp_path / n) for n in
                                         ("a.json", "b.ndjson", "b.ndjson", "b.ndjson", "c.json")]


@pytest.mark.parametrize("batch", [64, 300, 777, 1500, 2**20])
def test_files_across_batch_buffers_of_any_size(tmp_path, monkeypatch, batch):
    """Files that fill a buffer exactly, overflow it, or are larger than a whole batch are
    read whole and keep their sources, in order."""
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", batch)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", batch // 2)
    expected = []
    for i in range(40):
        texts = ["x" * (i * 7 % 50)] * (1 + i % 6)
        times = [f"2026-01-01T00:00:{s:02d}.000+0000" for s in range(len(texts))]
        b = body(i + 1, times=times, texts=texts)
        name = tmp_path / f"job-{i:02d}.json"
        if i % 7 == 3:                            # a few newline-delimited files of 3 jobs
            name = tmp_path / f"job-{i:02d}.ndjson"
            name.write_text("\n".join(json.dumps(dict(b, jobId=1000 * (i + 1) + k))
                                      for k in range(3)) + "\n")
            expected += [str(name)] * 3
            continue
        name.write_text(json.dumps(b, indent=2 if i % 2 else None))
        expected.append(str(name))
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert len(fast.jobs) == len(expected)
    # rows are sorted by job id; each job's source is the file it came from
    by_id = dict(zip(fast.jobs["job_id"], fast.jobs["source"]))
    for i in range(40):
        if i % 7 == 3:
            assert {by_id[1000 * (i + 1) + k] for k in range(3)} == {
                str(tmp_path / f"job-{i:02d}.ndjson")}
        else:
            assert by_id[i + 1] == str(tmp_path / f"job-{i:02d}.json")


def test_pretty_files_with_crlf_and_tabs_take_the_fast_path(tmp_path):
    text = json.dumps(body(1, texts=["tab\there"]), indent="\t").replace("\n", "\r\n")
    (tmp_path / "a.json").write_bytes(text.encode())
    (tmp_path / "b.json").write_text(json.dumps(body(2), indent=1))
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert list(fast.messages["message"]) == ["tab\there", "step 0"]


@pytest.mark.parametrize("raw", ["\n", "\r", "\t"])
def test_a_raw_control_character_in_a_string_is_refused_by_both_paths(tmp_path, raw):
    """Invalid JSON stays invalid on the fast path: its newlines become tabs only between
    tokens, and a raw tab inside a string is refused like a raw newline."""
    good = json.dumps(body(1), indent=2)
    bad = json.dumps(body(2, texts=["one two"]), indent=2).replace("one two", f"one{raw}two")
    (tmp_path / "a.json").write_text(good)
    (tmp_path / "b.json").write_bytes(bad.encode())
    assert _fast_read([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) is None
    log = read_jobs(tmp_path, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert list(log.problems["source"]) == [str(tmp_path / "b.json")]
    assert list(log.problems["field"]) == ["json"]


def test_a_job_larger_than_a_parse_block(tmp_path):
    """A pretty file of 3 MB (Arrow's blocks are 1 MB for small batches) is still one row."""
    times = [f"2026-01-01T{h:02d}:{m:02d}:00.000+0000" for h in range(24) for m in range(60)]
    texts = [f"step {i} " + "y" * 1900 for i in range(len(times))]
    (tmp_path / "big.json").write_text(json.dumps(body(9, times=times, texts=texts), indent=2))
    (tmp_path / "small.json").write_text(json.dumps(body(3)))
    assert (tmp_path / "big.json").stat().st_size > 2**21
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert fast.jobs.set_index("job_id")["message_count"].to_dict() == {3: 1, 9: 1440}


_MSG_AT = "2026-01-01T00:00:01.000+0000"


@pytest.mark.parametrize("change,fast_reads_it", [
    pytest.param({"messages": [{"activityDate": _MSG_AT, "message": 5}]}, False, id="msg number"),
    pytest.param({"messages": [{"activityDate": _MSG_AT, "message": True}]}, False,
                 id="msg bool"),
    pytest.param({"messages": [{"activityDate": _MSG_AT, "message": "m", "level": "INFO"}]},
                 True, id="msg extra key"),
    pytest.param({"messages": [{"activityDate": 5, "message": "m"}]}, False, id="msg date number"),
    pytest.param({"messages": {"a": 1}}, False, id="messages object"),
    pytest.param({"messages": [[1]]}, False, id="messages of lists"),
    pytest.param({"messages": "x"}, False, id="messages string"),
    pytest.param({"status": True}, False, id="status bool"),
    pytest.param({"status": 3}, False, id="status number"),
    pytest.param({"jobId": 1.5}, False, id="job id float"),
    pytest.param({"jobId": 1.0}, False, id="job id 1.0"),
    pytest.param({"jobId": 2**63}, False, id="job id too big"),
    pytest.param({"startDate": 5}, False, id="start number"),
    pytest.param({"serviceId": "7"}, False, id="service id string"),
    pytest.param({"serviceName": {"a": 1}}, False, id="name object"),
    pytest.param({"serviceName": ["a"]}, False, id="name list"),
    pytest.param({"endDate": None}, True, id="end null"),
    pytest.param({"messages": [{"activityDate": _MSG_AT, "message": None}]}, True,
                 id="msg text null"),
])
def test_a_value_of_another_type_is_never_converted(tmp_path, change, fast_reads_it):
    """The documented keys have their types given to Arrow: a value of another type makes the
    fast path give way (Arrow would otherwise convert it), and what it reads is what the
    careful path reads."""
    for i, indent in enumerate((None, 2)):
        b = dict(body(1 + 100 * i), **change)
        if "jobId" in change:
            b["jobId"] = change["jobId"] if i else 500
        (tmp_path / f"j{i}.json").write_text(json.dumps(b, indent=indent))
    fast, careful = both(tmp_path) if fast_reads_it else (None, None)
    if fast_reads_it:
        assert_same(fast, careful)
    else:
        assert _fast_read([str(tmp_path / "j0.json"), str(tmp_path / "j1.json")]) is None


def test_pieces_of_a_large_file(tmp_path, monkeypatch):
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 10)
    p = tmp_path / "x.ndjson"

    def pieces(content: bytes):
        p.write_bytes(content)
        fd = os.open(p, os.O_RDONLY)
        try:
            return [None if piece is None else piece[:end] for piece, end in load._pieces(fd)]
        finally:
            os.close(fd)

    # buffers of 10 bytes (more for a longer line); each piece ends after the last newline
    # read so far, and the next one starts with what followed it
    assert pieces(b'{"a": 1}\n{"b": 22}\n{"c": 3}\n') == [b'{"a": 1}\n', b'{"b": 22}\n',
                                                          b'{"c": 3}\n']
    assert pieces(b'{"a": 1}\n{"a_long_key": 1}\n\n{"c": 3}  \n  ') == [
        b'{"a": 1}\n', b'{"a_long_key": 1}\n\n', b'{"c": 3}  \n']       # a buffer of 20
    assert pieces(b'{"a": "no newline at all"}') == [b'{"a": "no newline at all"}']
    assert pieces(b'{\n  "a": 1\n}\n') == [None]            # one pretty object: not cut
    lines = [b'{"k": "%s"}\n' % (b"x" * n) for n in (0, 3, 30, 1, 100, 7, 7, 7, 0, 64)]
    got = pieces(b"".join(lines))
    assert b"".join(got) == b"".join(lines) and all(g.endswith(b"\n") for g in got)
    # a buffer grows (doubles) only for a line longer than itself
    assert max(len(g) for g in got) <= 2 * max(len(line) for line in lines)


def test_a_large_newline_delimited_file_is_read_in_pieces(tmp_path, monkeypatch):
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 1000)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", 1000)
    jobs = [body(i, times=[f"2026-01-01T00:00:{s:02d}.000+0000" for s in range(i % 4 + 1)])
            for i in range(1, 61)]
    (tmp_path / "a.json").write_text(json.dumps(body(100), indent=2))
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(b) for b in jobs) + "\n\n")
    big = body(200, times=["2026-01-01T00:00:00.000+0000"] * 40, texts=["z" * 40] * 40)
    (tmp_path / "c.json").write_text(json.dumps(big, indent=2))    # a large pretty file
    assert (tmp_path / "b.ndjson").stat().st_size > 10_000
    fast, careful = both(tmp_path)
    assert_same(fast, careful)
    assert len(fast.jobs) == 62
    sources = fast.jobs.set_index("job_id")["source"]
    assert set(sources.loc[range(1, 61)]) == {str(tmp_path / "b.ndjson")}
    assert sources.loc[200] == str(tmp_path / "c.json")


def _job_text(job_id: int, size: int) -> bytes:
    """A compact job of exactly ``size`` bytes."""
    b = body(job_id, texts=[""])
    pad = size - len(json.dumps(b).encode())
    b["messages"][0]["message"] = "x" * pad
    text = json.dumps(b).encode()
    assert len(text) == size
    return text


@pytest.mark.parametrize("empties", [1, 2])
def test_a_full_buffer_then_empty_files(tmp_path, monkeypatch, empties):
    """A file that fills the buffer to its last byte, then empty files: read by the careful
    path, which reports them (no write past the buffer)."""
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 1024)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", 1024)
    (tmp_path / "a.json").write_bytes(_job_text(1, 1023))
    for i in range(empties):
        (tmp_path / f"b{i}.json").write_bytes(b"")
    assert _fast_read([str(p) for p in sorted(tmp_path.iterdir())]) is None
    log = read_jobs(tmp_path, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert len(log.problems) == empties


def test_reading_stops_at_the_first_batch_the_fast_path_cannot_take(tmp_path, monkeypatch):
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 1024)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", 1024)
    parsed = []
    real = load._parse_batch
    monkeypatch.setattr(load, "_parse_batch", lambda *a: parsed.append(1) or real(*a))
    (tmp_path / "a000.json").write_text("[1]")
    for i in range(1, 200):
        (tmp_path / f"a{i:03d}.json").write_text(json.dumps(body(i)))
    assert _fast_read([str(p) for p in sorted(tmp_path.iterdir())]) is None
    assert len(parsed) <= 3                       # not the 60 or so batches of the folder


def test_files_cannot_make_up_for_each_other_in_a_batch(tmp_path):
    """One file whose first line ends an object and that has a line starting with "{" (but
    is one object), next to a file of two pretty-printed objects: both go to the careful
    path, which reads the first and reports the second."""
    one = body(1, texts=["a", "b"], times=["2026-01-01T00:00:00.000+0000"] * 2)
    text = json.dumps(one)
    first, second = (json.dumps(m) for m in one["messages"])
    text = text.replace(first + ", " + second, first + "\n,\n" + second)
    (tmp_path / "a.json").write_text(text)
    (tmp_path / "b.json").write_text(json.dumps({"jobId": 2}, indent=1) + "\n"
                                     + json.dumps({"jobId": 3}, indent=1))
    assert _fast_read([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) is None
    log = read_jobs(tmp_path, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert list(log.problems["source"]) == [str(tmp_path / "b.json")]


@pytest.mark.parametrize("line", ['{"jobId": 2} {"jobId": 3}', '{"jobId": 2}, {"jobId": 3}',
                                  '  ,{"jobId": 2}', "x"])
def test_a_line_that_is_not_one_object(tmp_path, line):
    (tmp_path / "a.ndjson").write_text(json.dumps(body(1)) + "\n" + line + "\n")
    assert _fast_read([str(tmp_path / "a.ndjson")]) is None
    log = read_jobs(tmp_path, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert len(log.problems) == 1


def test_a_pretty_object_inside_a_large_newline_delimited_file(tmp_path, monkeypatch):
    """Where a piece of a large file starts with a pretty-printed object, the careful path
    reads the file (and reports the lines that are not JSON)."""
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 512)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", 512)
    p = tmp_path / "x.ndjson"
    p.write_bytes(_job_text(1, 511) + b"\n" + json.dumps(body(2), indent=2).encode() + b"\n")
    assert _fast_read([str(p)]) is None
    log = read_jobs(p, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert len(log.problems) > 0


def test_a_key_that_is_not_utf8(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b'{"jobId": 1, "\xff": "v", "messages": []}')
    assert _fast_read([str(p)]) is None
    log = read_jobs(p, errors="skip")
    assert log.jobs.empty and list(log.problems["field"]) == ["json"]


@pytest.mark.parametrize("bad", ["time", "utf8"])
def test_a_bad_value_in_a_later_batch_makes_the_fast_path_give_way(tmp_path, monkeypatch, bad):
    """Timestamps and texts are checked chunk by chunk (one chunk per batch) on several
    threads: a value the fast path cannot take in any chunk, here the last, sends everything
    to the careful path."""
    from stacklog import load

    monkeypatch.setattr(load, "_FAST_BATCH_BYTES", 600)
    monkeypatch.setattr(load, "_FIRST_BATCH_BYTES", 300)
    for i in range(30):
        times = [f"2026-01-01T00:00:{s:02d}.000+0000" for s in range(3)]
        (tmp_path / f"job-{i:02d}.json").write_text(json.dumps(body(i + 1, times=times)))
    last = tmp_path / "job-29.json"
    if bad == "time":             # no zone: the careful path reads it as UTC and says nothing
        last.write_text(last.read_text().replace("00:00:01.000+0000", "00:00:01.000"))
    else:                         # not UTF-8: the careful path reports the job
        last.write_bytes(last.read_bytes().replace(b"step 1", b"step \xff"))
    fast = _fast_read([str(p) for p in sorted(tmp_path.iterdir())])
    assert fast is None
    log = read_jobs(tmp_path, errors="skip")
    if bad == "time":
        assert len(log.jobs) == 30 and log.problems.empty
        assert log.messages["activity_date"].iloc[-2] == pd.Timestamp("2026-01-01T00:00:01Z")
    else:
        assert len(log.jobs) == 29 and 30 not in set(log.jobs["job_id"])
        assert list(log.problems["source"]) == [str(last)]
        assert list(log.problems["field"]) == ["json"]


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 2**20 - 1, 2**20, 2**20 + 1, 2**20 + 2,
                                  3 * 2**20 + 7])
def test_line_starts_and_replace_equal_plain_numpy(size):
    """Every b"\\n{" is found, at even and odd positions and across megabytes, and replacing
    a byte changes that byte only."""
    rng = np.random.default_rng(size)
    data = rng.choice(np.array([0x0A, 0x7B, 0x20, 0x0D], dtype=np.uint8), size=size)
    for part in (data, data[1:]):
        plain = np.flatnonzero((part[:-1] == 0x0A) & (part[1:] == 0x7B))
        assert np.array_equal(_line_starts(part), plain)
    for old, new in ((0x0A, 0x09), (0x0D, 0x09)):
        expected = np.where(data == old, new, data).astype(np.uint8)
        _replace(data, old, new)
        assert np.array_equal(data, expected)


def test_message_positions_within_their_jobs():
    from stacklog.load import _positions

    assert _positions(np.array([3, 0, 2, 1])).tolist() == [0, 1, 2, 0, 1, 0]
    assert _positions(np.array([0, 0, 2])).tolist() == [0, 1]
    assert _positions(np.array([0])).tolist() == [] and _positions(np.array([], int)).tolist() == []
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 5, 1000)
    expected = [k for c in counts for k in range(c)]
    assert _positions(counts).tolist() == expected
