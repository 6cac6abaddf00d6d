"""Loading: every input shape, dtypes, ids, timestamps, de-duplication, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stacklog
from stacklog import InputError, StacklogError, parse_jobs, read_jobs

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
SEED = EXAMPLES / "stack-job-80045-create-new.json"
JCS = EXAMPLES / "jcs-job-3086199-scale-in-succeed.json"


def job(job_id=1, status="SUCCEED", messages=None, **extra):
    """A small valid job body."""
    body = {
        "jobId": job_id,
        "serviceName": "svc",
        "serviceType": "JaaS",
        "operationType": "CREATE_SERVICE",
        "status": status,
        "startDate": "2026-01-01T00:00:00.000+0000",
        "endDate": "2026-01-01T00:01:00.000+0000",
        "messages": [
            {"activityDate": "2026-01-01T00:00:00.000+0000", "message": "Activity Submitted"},
            {"activityDate": "2026-01-01T00:01:00.000+0000", "message": "Activity Ended"},
        ] if messages is None else messages,
    }
    body.update(extra)
    return body


# --------------------------------------------------------------------------- shapes


def test_real_examples_load_with_documented_columns_and_dtypes():
    log = read_jobs(EXAMPLES)
    assert list(log.jobs["job_id"]) == [80045, 3086199]
    assert len(log.messages) == 19
    assert log.problems.empty
    assert list(log.jobs.columns[:17]) == list(stacklog._schema.JOB_COLUMNS)
    for col in ("job_id", "activity_log_id", "service_id", "operation_id", "resource_id"):
        assert log.jobs[col].dtype == "Int64", col
    assert str(log.jobs["start_date"].dtype) == "datetime64[us, UTC]"
    assert str(log.messages["activity_date"].dtype) == "datetime64[us, UTC]"
    assert list(log.messages.columns) == ["job_id", "seq", "activity_date", "message"]
    jcs = log.jobs.set_index("job_id").loc[3086199]
    # undocumented keys kept as snake_case columns
    assert jcs["server_type"] == "WLS"
    assert jcs["resource_name"] == "techco-wls-2"
    assert jcs["resource_id"] == 97931
    assert jcs["end_date"] == pd.Timestamp("2016-12-05T15:05:26.674Z")
    seed = log.jobs.set_index("job_id").loc[80045]
    assert pd.isna(seed["end_date"])
    assert pd.isna(seed["host"])            # a real NA, never the text "nan"
    assert seed["service_type"] == "cloudstack"
    assert seed["message_count"] == 5
    assert seed["source"] == str(SEED)


def test_one_job_array_listing_and_ndjson_give_the_same_frames():
    a, b = job(1), job(2, status="FAILED")
    texts = {
        "array": json.dumps([a, b]),
        "listing": json.dumps({"activityLogs": [a, b]}),
        "ndjson": json.dumps(a) + "\n" + json.dumps(b) + "\n",
        "ndjson-listings": json.dumps({"activityLogs": [a]}) + "\n" + json.dumps(b),
    }
    frames = {k: parse_jobs(t, source=k) for k, t in texts.items()}
    for name, log in frames.items():
        assert list(log.jobs["job_id"]) == [1, 2], name
        assert list(log.jobs["status"]) == ["SUCCEED", "FAILED"], name
        assert len(log.messages) == 4, name
    single = parse_jobs(a)
    assert list(single.jobs["job_id"]) == [1]
    assert single.jobs["source"].iloc[0] == "inline"


def test_in_memory_dict_list_str_bytes():
    a = job(7)
    for obj in (a, [a], json.dumps(a), json.dumps(a).encode(), {"activityLogs": [a]}):
        log = parse_jobs(obj)
        assert list(log.jobs["job_id"]) == [7]


def test_service_detail_body_with_activity_logs_inside():
    detail = {"serviceName": "techco", "state": "READY", "activityLogs": [job(5), job(6)]}
    assert list(parse_jobs(detail).jobs["job_id"]) == [5, 6]


def test_files_folders_recursive_globs_and_several_sources(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "one.json").write_text(json.dumps(job(1)))
    (tmp_path / "a" / "deep" / "two.json").write_text(json.dumps([job(2), job(3)]))
    (tmp_path / "a" / "notes.txt").write_text("not read")
    (tmp_path / "b.ndjson").write_text(json.dumps(job(4)) + "\n" + json.dumps(job(5)) + "\n")
    (tmp_path / "c.json").write_text(json.dumps({"activityLogs": [job(6)]}))
    log = read_jobs(tmp_path / "a", str(tmp_path / "b.ndjson"), str(tmp_path / "c*.json"))
    assert list(log.jobs["job_id"]) == [1, 2, 3, 4, 5, 6]
    assert set(log.jobs["source"]) == {
        str(tmp_path / "a" / "one.json"), str(tmp_path / "a" / "deep" / "two.json"),
        str(tmp_path / "b.ndjson"), str(tmp_path / "c.json")}
    # a recursive glob
    assert len(read_jobs(str(tmp_path / "**" / "*.json"))) == 4


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(job(9)).encode())
    assert list(read_jobs(p).jobs["job_id"]) == [9]


# --------------------------------------------------------------------------- values


def test_ids_are_exact_nullable_integers_from_numbers_or_strings():
    big = 2**53 + 1                       # not representable as a float
    bodies = [job(big), job(str(big + 2)), job(" 42 ", activityLogId="17", serviceId=None)]
    log = parse_jobs(bodies)
    assert log.jobs["job_id"].dtype == "Int64"
    assert list(log.jobs["job_id"]) == [42, big, big + 2]
    row = log.jobs.set_index("job_id").loc[42]
    assert row["activity_log_id"] == 17
    assert pd.isna(row["service_id"])
    assert log.messages["job_id"].dtype == "Int64"
    assert set(log.messages["job_id"]) == {42, big, big + 2}


def test_job_id_alias_job_id_key():
    body = job(1)
    del body["jobId"]
    body["job_id"] = "3086199"
    assert list(parse_jobs(body).jobs["job_id"]) == [3086199]


@pytest.mark.parametrize("raw,canonical", [
    ("SUCCEED", "SUCCEED"), ("Succeeded", "SUCCEED"), ("New", "NEW"), ("In Progress", "RUNNING"),
    ("Failed", "FAILED"), ("warn", "WARN"), ("running", "RUNNING"), ("PAUSED", "PAUSED"),
])
def test_status_words_are_canonical_and_unknown_words_kept(raw, canonical):
    assert parse_jobs(job(1, status=raw)).jobs["status"].iloc[0] == canonical


def test_service_type_is_lower_case():
    assert parse_jobs(job(1, serviceType="MySQLCS")).jobs["service_type"].iloc[0] == "mysqlcs"


@pytest.mark.parametrize("text,expected", [
    ("2016-07-25T22:51:16.143+0000", "2016-07-25T22:51:16.143Z"),
    ("2016-07-25T22:51:16.143+00:00", "2016-07-25T22:51:16.143Z"),
    ("2016-07-25T22:51:16.143Z", "2016-07-25T22:51:16.143Z"),
    ("2016-07-25T22:51:16+0000", "2016-07-25T22:51:16Z"),
    ("2016-07-25T22:51:16Z", "2016-07-25T22:51:16Z"),
    ("2016-07-26T04:21:16.143+0530", "2016-07-25T22:51:16.143Z"),
    ("2016-07-25T17:51:16.143-05:00", "2016-07-25T22:51:16.143Z"),
    ("2016-07-25T22:51:16.143456+0000", "2016-07-25T22:51:16.143456Z"),
])
def test_timestamp_formats_parse_to_utc(text, expected):
    body = job(1, startDate=text, messages=[{"activityDate": text, "message": "m"}])
    log = parse_jobs(body)
    want = pd.Timestamp(expected)
    assert log.jobs["start_date"].iloc[0] == want
    assert log.messages["activity_date"].iloc[0] == want
    assert str(log.messages["activity_date"].dt.tz) == "UTC"


def test_mixed_offsets_in_one_job_sort_by_real_time():
    msgs = [
        {"activityDate": "2026-01-01T01:00:00.000+0100", "message": "first (00:00 UTC)"},
        {"activityDate": "2026-01-01T00:30:00.000+0000", "message": "second (00:30 UTC)"},
    ]
    log = parse_jobs(job(1, messages=msgs))
    assert list(log.messages["message"]) == ["first (00:00 UTC)", "second (00:30 UTC)"]


def test_messages_sorted_stably_and_seq_keeps_original_position():
    msgs = [
        {"activityDate": "2026-01-01T00:00:05.000+0000", "message": "c"},
        {"activityDate": "2026-01-01T00:00:01.000+0000", "message": "a"},
        {"activityDate": "2026-01-01T00:00:05.000+0000", "message": "d"},  # ties with c
        {"activityDate": "2026-01-01T00:00:03.000+0000", "message": "b"},
        {"activityDate": "2026-01-01T00:00:05.000+0000", "message": "e"},
    ]
    log = parse_jobs([job(2, messages=msgs[:2]), job(1, messages=msgs)])
    one = log.messages[log.messages["job_id"] == 1]
    assert list(one["message"]) == ["a", "b", "c", "d", "e"]
    assert list(one["seq"]) == [1, 3, 0, 2, 4]
    assert list(log.messages["job_id"]) == [1] * 5 + [2, 2]   # sorted by job, then time


def test_missing_or_null_messages_mean_no_messages():
    a = job(1, status="NEW")
    del a["messages"]
    b = job(2, status="RUNNING", messages=None)
    b["messages"] = None
    log = parse_jobs([a, b])
    assert list(log.jobs["message_count"]) == [0, 0]
    assert log.messages.empty
    assert log.problems.empty


def test_missing_values_are_na_not_text():
    body = job(1)
    del body["serviceName"]
    body["authUser"] = None
    log = parse_jobs(body)
    assert pd.isna(log.jobs["service_name"].iloc[0])
    assert pd.isna(log.jobs["auth_user"].iloc[0])
    text = log.jobs.astype(str).to_numpy().ravel().tolist()
    assert "None" not in text


def test_undocumented_keys_become_snake_case_columns():
    log = parse_jobs(job(1, serverType="WLS", resourceId="97931", HTTPStatusCode=3,
                         someNestedThing={"a": 1}))
    row = log.jobs.iloc[0]
    assert row["server_type"] == "WLS"
    assert row["resource_id"] == "97931"    # an undocumented key keeps its JSON value
    assert row["http_status_code"] == 3
    assert row["some_nested_thing"] == {"a": 1}


def test_empty_input_gives_empty_frames_with_columns():
    log = parse_jobs([])
    assert log.jobs.empty and log.messages.empty and log.problems.empty
    assert list(log.messages.columns) == ["job_id", "seq", "activity_date", "message"]
    assert "job_id" in log.jobs.columns and log.jobs["job_id"].dtype == "Int64"


# --------------------------------------------------------------------------- duplicates


def test_same_job_twice_most_advanced_copy_wins(tmp_path):
    running = job(1, status="RUNNING", messages=[
        {"activityDate": "2026-01-01T00:00:00.000+0000", "message": "Activity Submitted"}])
    del running["endDate"]
    final = job(1, status="SUCCEED")
    # the final copy wins whichever is read first
    for order in ([running, final], [final, running]):
        log = parse_jobs(order)
        assert list(log.jobs["job_id"]) == [1]
        assert log.jobs["status"].iloc[0] == "SUCCEED"
        assert len(log.messages) == 2
    # same status: more messages win
    fewer = job(2, status="RUNNING", messages=[
        {"activityDate": "2026-01-01T00:00:00.000+0000", "message": "one"}])
    more = job(2, status="RUNNING")
    for order in ([fewer, more], [more, fewer]):
        log = parse_jobs(order)
        assert log.jobs["message_count"].iloc[0] == 2
        assert len(log.messages) == 2
    # across files (pages written twice)
    (tmp_path / "p1.json").write_text(json.dumps({"activityLogs": [running, job(3)]}))
    (tmp_path / "p2.json").write_text(json.dumps({"activityLogs": [final, job(3)]}))
    log = read_jobs(tmp_path)
    assert list(log.jobs["job_id"]) == [1, 3]
    assert log.jobs.set_index("job_id").loc[1, "source"] == str(tmp_path / "p2.json")
    assert len(log.messages) == 4


# --------------------------------------------------------------------------- bad input


def _raises(tmp_path, name, content, field_text):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(InputError) as info:
        read_jobs(p)
    message = str(info.value)
    assert str(p) in message
    assert field_text in message
    assert isinstance(info.value, StacklogError)
    return info.value


def test_invalid_json_names_file(tmp_path):
    err = _raises(tmp_path, "broken.json", '{"jobId": 1, "status": ', "'json'")
    assert "invalid JSON" in str(err)


def test_html_error_page_saved_as_json(tmp_path):
    err = _raises(tmp_path, "job.json", "<!DOCTYPE html><html><body>Sign in</body></html>",
                  "'json'")
    assert "HTML" in str(err)


def test_empty_file(tmp_path):
    err = _raises(tmp_path, "empty.json", "  \n", "'file'")
    assert "empty" in str(err)


@pytest.mark.parametrize("value", [None, "No Job Submitted", -3, 1.5, True, {"id": 1}])
def test_job_without_usable_job_id(tmp_path, value):
    body = job(1)
    if value is None:
        del body["jobId"]
    else:
        body["jobId"] = value
    err = _raises(tmp_path, "nojob.json", json.dumps(body), "'jobId'")
    assert err.field == "jobId"


def test_messages_not_a_list(tmp_path):
    err = _raises(tmp_path, "m.json", json.dumps(job(12, messages="oops")), "'messages'")
    assert "job 12" in str(err) and "a string" in str(err)


def test_message_not_an_object(tmp_path):
    _raises(tmp_path, "m.json", json.dumps(job(12, messages=["text"])), "'messages[0]'")


def test_unparseable_message_timestamp(tmp_path):
    msgs = [{"activityDate": "2026-01-01T00:00:00.000+0000", "message": "ok"},
            {"activityDate": "yesterday", "message": "bad"}]
    err = _raises(tmp_path, "t.json", json.dumps(job(13, messages=msgs)),
                  "'messages[1].activityDate'")
    assert "'yesterday'" in str(err) and "job 13" in str(err)


def test_unparseable_start_date(tmp_path):
    _raises(tmp_path, "s.json", json.dumps(job(14, startDate="2026-13-45")), "'startDate'")


def test_listing_whose_activity_logs_is_not_a_list(tmp_path):
    _raises(tmp_path, "l.json", json.dumps({"activityLogs": {"jobId": 1}}), "'activityLogs'")


def test_json_scalar(tmp_path):
    _raises(tmp_path, "n.json", "42", "'json'")


def test_missing_file_and_empty_glob():
    with pytest.raises(InputError, match="no such file"):
        read_jobs("/nonexistent/nowhere.json")
    with pytest.raises(InputError, match="matches no JSON file"):
        read_jobs("/nonexistent/*.json")


def test_errors_argument_is_checked():
    with pytest.raises(ValueError):
        parse_jobs(job(1), errors="ignore")


def test_skip_loads_the_rest_and_lists_every_problem(tmp_path):
    """Every job read is either loaded or listed with its reason."""
    good = [job(1), job(2)]
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "broken.json").write_text('{"jobId": 3, ')
    (tmp_path / "html.json").write_text("<html>login</html>")
    (tmp_path / "empty.json").write_text("")
    bad_jobs = [job(4, messages="x"), {"status": "NEW"}, job("No Job Submitted"),
                job(5, messages=[1])]
    (tmp_path / "mixed.json").write_text(json.dumps({"activityLogs": bad_jobs + [job(6)]}))
    msgs = [{"activityDate": "2026-01-01T00:00:00.000+0000", "message": "ok"},
            {"activityDate": "not a time", "message": "kept with NaT"},
            {"message": "no time at all"}]
    (tmp_path / "nat.json").write_text(json.dumps(job(7, messages=msgs)))
    (tmp_path / "dup.json").write_text(json.dumps(job(1)))   # duplicate: merged, not a problem
    nd = json.dumps(job(8)) + "\n{bad line\n" + json.dumps(job(9)) + "\n"
    (tmp_path / "lines.ndjson").write_text(nd)

    log = read_jobs(tmp_path, errors="skip")
    assert list(log.jobs["job_id"]) == [1, 2, 6, 7, 8, 9]
    p = log.problems
    assert list(p.columns) == ["source", "job_id", "field", "reason", "action"]
    skipped = p[p["action"] == "skipped"]
    kept = p[p["action"] == "kept"]
    # 3 broken files + 4 bad jobs + 1 bad NDJSON line are set aside
    assert len(skipped) == 8
    assert set(skipped["field"]) == {"json", "file", "activityLogs[0].messages",
                                     "activityLogs[1].jobId", "activityLogs[2].jobId",
                                     "activityLogs[3].messages[0]", "line 2"}
    # the two bad message timestamps are kept with NaT and listed
    assert list(kept["field"]) == ["messages[1].activityDate", "messages[2].activityDate"]
    assert list(kept["job_id"]) == [7, 7]
    j7 = log.messages[log.messages["job_id"] == 7]
    assert len(j7) == 3 and j7["activity_date"].isna().sum() == 2
    assert list(j7["message"]) == ["ok", "kept with NaT", "no time at all"]   # NaT last
    # the count check: items read = loaded jobs + set aside
    # (13 jobs/documents read: 2+1dup, 3 broken files, 5 in mixed, 1 nat, 3 ndjson lines)
    read_items = 2 + 1 + 3 + 5 + 1 + 3
    distinct_loaded = len(log.jobs)
    duplicates_merged = 1
    assert distinct_loaded + len(skipped) + duplicates_merged == read_items
    assert set(skipped["source"]) >= {str(tmp_path / "broken.json"), str(tmp_path / "html.json"),
                                      str(tmp_path / "empty.json"),
                                      str(tmp_path / "mixed.json")}
    assert log.problems["job_id"].dtype == "Int64"


def test_subset_keeps_only_given_jobs():
    log = read_jobs(EXAMPLES)
    sub = log.subset([3086199])
    assert list(sub.jobs["job_id"]) == [3086199]
    assert len(sub.messages) == 14
    assert repr(sub) == "<JobLog: 1 job, 14 messages, 0 problems>"


def test_frames_are_not_modified_by_timing():
    log = read_jobs(EXAMPLES)
    before_jobs, before_msgs = log.jobs.copy(), log.messages.copy()
    stacklog.step_durations(log, as_of="2017-01-01")
    stacklog.job_durations(log, as_of="2017-01-01")
    stacklog.step_stats(log)
    pd.testing.assert_frame_equal(log.jobs, before_jobs)
    pd.testing.assert_frame_equal(log.messages, before_msgs)


def test_large_numbers_never_go_through_float():
    text = '{"jobId": 9007199254740993, "activityLogId": "9223372036854775807", "messages": []}'
    log = parse_jobs(text)
    assert log.jobs["job_id"].iloc[0] == 9007199254740993
    assert log.jobs["activity_log_id"].iloc[0] == 2**63 - 1
    assert np.int64(log.jobs["job_id"].iloc[0]) == 9007199254740993


# --------------------------------------------------------------------------- hardening


def test_latin1_file_is_an_input_error_not_garbage(tmp_path):
    p = tmp_path / "l.json"
    p.write_bytes(b'{"jobId":1,"serviceName":"caf\xe9","messages":[{"activityDate":'
                  b'"2016-12-05T14:59:33.938+0000","message":"d\xe9j\xe0"}]}')
    with pytest.raises(InputError, match="UTF-8") as info:
        read_jobs(p)
    assert str(p) in str(info.value)
    assert len(read_jobs(p, errors="skip").problems) == 1


def test_lone_surrogate_and_non_string_keys_in_memory():
    with pytest.raises(InputError):
        parse_jobs({"jobId": 1, "serviceName": "\ud800"})
    with pytest.raises(InputError):
        parse_jobs('{"jobId": 1, "serviceName": "\ud800"}')
    with pytest.raises(InputError, match="not JSON data"):
        parse_jobs({"jobId": 1, 5: "x"})


def test_timestamps_given_as_lists_are_problems_not_crashes():
    log = parse_jobs({"jobId": 1, "endDate": [], "messages": [{"activityDate": ["x"]}]},
                     errors="skip")
    assert list(log.problems["field"]) == ["endDate", "messages[0].activityDate"]
    assert pd.isna(log.jobs["end_date"].iloc[0])


@pytest.mark.parametrize("word", ["now", "today", "NOW"])
def test_words_are_not_timestamps(word):
    log = parse_jobs(job(1, startDate=word), errors="skip")
    assert pd.isna(log.jobs["start_date"].iloc[0])
    assert list(log.problems["field"]) == ["startDate"]


def test_undocumented_values_keep_their_json_type(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"jobId": 1, "note": "2016-12-05T14:59:32", "early": "0000-01-01", '
                 '"big": 18446744073709551615}')
    row = read_jobs(p).jobs.iloc[0]
    assert row["note"] == "2016-12-05T14:59:32"           # text stays text
    assert row["early"] == "0000-01-01"
    assert row["big"] == 18446744073709551615             # exact, not a float
    mixed = parse_jobs([{"jobId": 1, "x": 1}, {"jobId": 2, "x": 2.0}])
    assert mixed.jobs["x"].dtype == np.float64


def test_nan_literals_are_invalid_json_on_every_path(tmp_path):
    p = tmp_path / "n.json"
    p.write_text('{"jobId": 1, "x": NaN}')
    with pytest.raises(InputError, match="invalid JSON"):
        read_jobs(p)


def test_colliding_extra_keys_are_all_kept():
    log = parse_jobs({"jobId": 1, "fooBar": "a", "foo_bar": "b", "ServiceName": "c",
                      "service_name": "d", "ä": 1, "ö": 2, "job_id": "7"})
    row = log.jobs.iloc[0]
    assert (row["foo_bar"], row["foo_bar_2"]) == ("a", "b")
    assert (row["service_name_raw"], row["service_name_raw_2"]) == ("c", "d")
    assert (row["field"], row["field_2"]) == (1, 2)
    assert row["job_id_raw"] == "7" and row["job_id"] == 1


def test_unknown_final_looking_status_beats_running():
    a = job(1, status="Cancelled")
    b = job(1, status="RUNNING", messages=[])
    del b["endDate"]
    for order in ([a, b], [b, a]):
        assert parse_jobs(order).jobs["status"].iloc[0] == "Cancelled"


def test_globs_match_folders_and_skip_other_files(tmp_path):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "a.json").write_text(json.dumps(job(1)))
    (tmp_path / "README.md").write_text("# not json")
    (tmp_path / "b.json").write_text(json.dumps(job(2)))
    assert list(read_jobs(str(tmp_path / "exam*")).jobs["job_id"]) == [1]
    assert list(read_jobs(str(tmp_path / "*")).jobs["job_id"]) == [1, 2]
    (tmp_path / "c.txt").write_text(json.dumps(job(3)))
    assert list(read_jobs(str(tmp_path / "*.txt")).jobs["job_id"]) == [3]


def test_a_file_reached_twice_is_read_once(tmp_path):
    # through a glob matching a folder and its sub-folder, and named again as a source
    (tmp_path / "dumps" / "sub").mkdir(parents=True)
    (tmp_path / "dumps" / "a.json").write_text(json.dumps(job(1)))
    bad = tmp_path / "dumps" / "sub" / "bad.json"
    bad.write_text("{not json")
    log = read_jobs(str(tmp_path / "dumps" / "**"), bad, errors="skip")
    assert list(log.jobs["job_id"]) == [1]
    assert list(log.problems["source"]) == [str(bad)]


def test_symlink_loops_are_read_once(tmp_path):
    (tmp_path / "loop" / "sub").mkdir(parents=True)
    (tmp_path / "loop" / "a.json").write_text(json.dumps(job(1)))
    (tmp_path / "loop" / "sub" / "up").symlink_to(tmp_path / "loop")
    assert list(read_jobs(tmp_path / "loop").jobs["job_id"]) == [1]


def test_bytes_paths_are_accepted():
    assert len(read_jobs(str(EXAMPLES).encode())) == 2


def test_read_file_reads_small_empty_and_large_files(tmp_path):
    from stacklog.load import _read_file

    for size in (0, 10, 5 * 2**20 + 7):
        p = tmp_path / f"f{size}"
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        p.write_bytes(data)
        assert _read_file(str(p)) == data
