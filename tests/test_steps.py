"""Step names: the rules on hand-written messages, and the column version against the reference.

``step_name`` is the reference (one message, ``re``); ``step_names`` must give exactly what it
gives, on the sample data, on generated jobs and on generated text.
"""

from __future__ import annotations

import itertools
import random
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.load import make_jobs
from stacklog import _steps, _util, read_jobs
from stacklog._steps import step_name, step_names

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def compiled_for_every_size(monkeypatch):
    """The compiled loop names columns of any length here (by default only long ones)."""
    monkeypatch.setattr(_util, "COMPILED_FROM", 0)


def reference(messages, names) -> list:
    return [step_name(m, n) if isinstance(m, str) else None for m, n in zip(messages, names)]


def assert_same(messages, names, dtype=object) -> pd.Series:
    """step_names equals step_name row by row (NA where the message is not a string), with the
    names as strings and as a categorical."""
    expected = reference(messages, names)
    column = pd.Series(messages, dtype=dtype)
    fast = step_names(column, pd.Series(names, dtype=object))
    assert str(fast.dtype) == "str"
    assert len(fast) == len(messages)
    for m, n, want, got in zip(messages, names, expected, fast):
        if want is None:
            assert pd.isna(got), (m, n, got)
        else:
            assert got == want, (m, n, want, got)
    text = [n if isinstance(n, str) else None for n in names]
    by_code = step_names(column, pd.Series(pd.Categorical(text)))
    assert by_code.equals(fast)
    return fast


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("message,name,expected", [
    ("Initializing stack MyStack", "MyStack", "Initializing stack <name>"),
    ("Initializing stack AnotherDevStack", "AnotherDevStack", "Initializing stack <name>"),
    ("Successfully created ACCS Service MyStack-App", "MyStack",
     "Successfully created ACCS Service <name>-App"),
    ("Stopped Virtual Machine wls/vm-2...", None, "Stopped Virtual Machine wls/vm-N"),
    ("SM-BKP-5127: Backup failed on [db1]", None, "SM-BKP-5127: Backup failed on [*]"),
    ("PSM-CRT-1042: Operation failed for service [x]", "x",
     "PSM-CRT-1042: Operation failed for service [*]"),
    ("Child job [3086205] completed removing all compute resources for host [techco-wls-2].",
     "techco", "Child job [*] completed removing all compute resources for host [*]"),
    ("Deleting stack MyStackOld", "MyStack", "Deleting stack MyStackOld"),
    ("Deleting stack OldMyStack", "MyStack", "Deleting stack OldMyStack"),
    ("Scaling [MyStack_cluster] of MyStack_cluster", "MyStack", "Scaling [*] of <name>_cluster"),
    ("Activity   Ended  ", None, "Activity Ended"),
    ("  Activity\tStarted\n", None, "Activity Started"),
    (" . Done ..  . ", None, ". Done"),
    ("Reset key ssh-rsa AAAAB3NzaC1yc2E user@host for [opc]", None,
     "Reset key <key> for [*]"),
    ("Added ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO5 to [db]", None, "Added <key> to [*]"),
    ("Key ecdsa-sha2-nistp256 AAAAE2VjZHNh= me@x.org set", None, "Key <key> set"),
    ("Notified ops@example.com of job 12", None, "Notified <email> of job N"),
    ("Docs at https://docs.oracle.com/a/b?c=1 now", None, "Docs at <url> now"),
    ("Application [x] is available at [https://x.apaas.us2.oraclecloud.com]", "x",
     "Application [*] is available at [*]"),
    ("Instance ocid1.instance.oc1.phx.abcd1234 started", None, "Instance <ocid> started"),
    ("Request 123e4567-e89b-12d3-a456-426614174000 accepted", None, "Request <id> accepted"),
    ("Image deadbeef1234cafe pulled", None, "Image <id> pulled"),
    ("Epoch 1785761494123 reached", None, "Epoch N reached"),
    ("Address 10.0.0.1 at 12:30:05, version 12.2.1.3", None, "Address N at N, version N"),
    ("A1SM-BKP-1 and SM-BKP-5127.3 and SM-BKP-5127x", None,
     "A1SM-BKP-1 and SM-BKP-5127.N and SM-BKP-Nx"),
    ("[a[b]c] [] [open", None, "[a[*]c] [*] [open"),
    ("copy a.b to axb", "a.b", "copy <name> to axb"),
    ("x+y and xxy", "x+y", "<name> and xxy"),
    ("x done", "x", "x done"),
    ("Sauvegarde terminée — réussie", None, "Sauvegarde terminée — réussie"),
    ("Étape ١٢٣ terminée", None, "Étape ١٢٣ terminée"),
    ("Zwischen\u00a0 Räumen  2", None, "Zwischen\u00a0 Räumen N"),
    ("Üsername MyStack", "MyStack", "Üsername <name>"),
    ("ÄMyStack", "MyStack", "Ä<name>"),
    ("", None, ""),
    ("...", None, ""),
])
def test_step_name_rules(message, name, expected):
    assert step_name(message, name) == expected
    assert list(step_names(pd.Series([message]), pd.Series([name]))) == [expected]


def test_step_name_not_a_string():
    assert step_name(None) is None
    assert pd.isna(step_name(float("nan")))
    out = step_names(pd.Series([None, float("nan"), "x 1"], dtype=object),
                     pd.Series(["a", None, None]))
    assert pd.isna(out.iloc[0]) and pd.isna(out.iloc[1]) and out.iloc[2] == "x N"


@pytest.mark.parametrize("a,b", [
    (("Initializing stack MyStack", "MyStack"),
     ("Initializing stack AnotherDevStack", "AnotherDevStack")),
    (("Successfully created ACCS Service MyStack-App", "MyStack"),
     ("Successfully created ACCS Service OrdersStack-App", "OrdersStack")),
    (("Scale in host [techco-wls-2] is permitted", "techco"),
     ("Scale in host [acme-wls-11] is permitted", "acme")),
    (("Stopped Virtual Machine wls/vm-2...", None), ("Stopped Virtual Machine wls/vm-13", None)),
    (("Reset key ssh-rsa AAAAB3NzaC1yc2E user@host for [opc]", None),
     ("Reset key ssh-rsa AAAAB3NzaC1kc3M other@box for [oracle]", None)),
])
def test_variable_parts_group_together(a, b):
    assert step_name(*a) == step_name(*b)
    assert step_names(pd.Series([a[0], b[0]]), pd.Series([a[1], b[1]])).nunique() == 1


def test_error_codes_stay_apart():
    assert step_name("SM-BKP-5127: x") != step_name("PSM-CRT-1042: x")


# --------------------------------------------------------------------------- the column version


def test_step_names_keeps_the_index_and_takes_any_string_dtype():
    messages = ["Child job [1] done.", None, "a  b 2"]
    names = ["x", "y", None]
    expected = ["Child job [*] done", None, "a b N"]
    for dtype in ("str", "string", object):
        out = step_names(pd.Series(messages, dtype=dtype, index=[5, 3, 9]),
                         pd.Series(names, dtype=object))
        assert list(out.index) == [5, 3, 9]
        assert str(out.dtype) == "str"
        assert [None if pd.isna(v) else v for v in out] == expected
    assert step_names(pd.Series([], dtype="str"), pd.Series([], dtype="str")).empty
    with pytest.raises(ValueError):
        step_names(pd.Series(["a"]), pd.Series([], dtype=object))


def test_step_names_on_chunked_columns(monkeypatch):
    messages, names = generated(300)
    arr = pa.array(messages, type=pa.large_string())
    cuts = [0, 1, 1, 777, 2000, 2001, 4500, len(messages)]
    chunked = pd.Series(pa.chunked_array([arr.slice(a, b - a)
                                          for a, b in itertools.pairwise(cuts)]), dtype="str")
    assert chunked.array._pa_array.num_chunks == len(cuts) - 1
    expected = reference(messages, names)
    assert list(step_names(chunked, pd.Series(names, dtype="str"))) == expected
    monkeypatch.setattr(_steps, "_GROUP", 907)
    assert list(step_names(chunked, pd.Series(names, dtype="str"))) == expected


def test_short_columns_are_named_by_the_reference(monkeypatch):
    messages, names = generated(60)
    messages[3], names[5] = None, None
    column = pd.Series(messages, dtype="str", index=range(7, 7 + len(messages)))
    compiled = step_names(column, pd.Series(names, dtype="str"))
    monkeypatch.setattr(_util, "COMPILED_FROM", len(messages) + 1)
    monkeypatch.setattr(_steps, "_name_column", None)          # not called
    short = step_names(column, pd.Series(names, dtype="str"))
    pd.testing.assert_series_equal(short, compiled)
    assert short.isna().sum() == 1 and list(short.index) == list(column.index)


def test_step_names_outside_utf8():
    # a lone surrogate cannot be stored as UTF-8: the reference does the rows
    out = step_names(pd.Series(["a\ud800 1", "x 2"], dtype=object), pd.Series([None, None]))
    assert list(out) == ["a\ud800 N", "x N"]


def test_same_as_reference_on_the_sample_and_example_jobs():
    log = read_jobs(DATA / "sample", DATA / "examples")
    rows = log.messages.merge(log.jobs[["job_id", "service_name"]], on="job_id", how="left")
    assert len(rows) > 2000
    assert_same(rows["message"].tolist(), rows["service_name"].tolist(), dtype="str")


def generated(jobs: int, distinct_names: bool = False) -> tuple[list, list]:
    messages, names = [], []
    for i, body in enumerate(make_jobs(jobs)):
        name = body["serviceName"]
        new = f"{name}u{i}" if distinct_names else name
        for m in body["messages"]:
            messages.append(m["message"].replace(name, new) if distinct_names else m["message"])
            names.append(new)
    return messages, names


def test_same_as_reference_on_generated_jobs():
    messages, names = generated(1500)
    assert_same(messages, names, dtype="str")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_same_as_reference_with_a_name_per_job_and_small_chunks(monkeypatch, threads):
    """Many groups of rows, named by one thread or several at once."""
    messages, names = generated(400, distinct_names=True)
    assert_same(messages, names, dtype="str")
    monkeypatch.setattr(_steps, "_GROUP", 4099)
    monkeypatch.setattr(_util, "threads", lambda: threads)
    assert_same(messages, names, dtype="str")


@pytest.mark.parametrize("messages,names", [
    (["", "[a", "a"], ["", "", ""]),                                  # "[" closes no row
    (["a [", "] b", "[c] d"], [None, None, None]),
    (["x [y", "z] w [v] 1", "q"], [None, None, None]),
    (["", " 10.0.0.1", None, "12:30"], ["", "", "", ""]),             # digits across rows
    (["vm-1", "2 files", "3", "4.5"], [None, None, None, None]),
    (["aaaaaaaa[] 10.0.0.1deadbeef1234"], ["23"]),
    (["A1SM-BKP-1", "xSM-BKP-1", "SM-BKP-1_", "SM-BKP-12.3:4"], [None] * 4),
    (["x1.5", "5.1x and 1x.2", "x1-2"], ["x1", "1x", "x1"]),          # numbers next to names
    (["SM-BKP-5127 failed", "BKP-5127"], ["BKP", "BKP"]),            # a name inside a code
    (["MyStackMyStack MyStack", "a-a-a a-a", "ab ab ab"], ["MyStack", "a-a", "ab ab"]),
    (["name\u00e9 \u00e9name x"], ["\u00e9name"]),
    (["  [x]  ", "\t\n", ". . .", " a", "a "], [None] * 5),
    (["key ssh-rsa AAAAxyz user@h", "ocid1.x", "a@b", "s://x", "https://h/[x]"], [None] * 5),
    (["e [f@g.h] i", "[https://x] 1"], [None, None]),                  # inside brackets: fine
    # a UUID or hex id through an error code, or after a joined number
    (["DEADBEEF-ABCD-1234-ABCD-123456789012 up", "12345678-ABC-DEF-1", "1.2abcdefabcdef",
      "AB-CD-1234567890ab", "x 0123456789-1 y", "ABCDEF123456-X-1"], [None] * 6),
    # names that make a row longer than it was: several times, and next to brackets
    (["ab ab ab ab ab ab ab ab", "[]ab[]ab[][]", "ab", "ab " * 300], ["ab"] * 4),
])
def test_same_as_reference_on_edge_cases(messages, names):
    assert_same(messages, names)


_PIECES = list("aAbZ09 18-.:[]/@_é١\t\n\u00a0xyzMNSd") + [
    "ssh-rsa ", "AAAAB3Nza", "ocid1.", "https://", "SM-BKP-", "[]", "..", "deadbeef1234",
    "123e4567-e89b-12d3-a456-426614174000", "user@host.com", " 10.0.0.1", "12:30", "  ",
    "a.b", "x+y", "MyStack", "-App", "wls/vm-",
]
_text = st.lists(st.sampled_from(_PIECES), max_size=24).map("".join)


@st.composite
def _columns(draw):
    rows = draw(st.integers(1, 25))
    messages, names = [], []
    name = None
    for _ in range(rows):
        message = draw(st.one_of(_text, _text, _text, st.none()))
        if name is None or draw(st.booleans()):
            kind = draw(st.integers(0, 3))
            if kind == 0 and message:
                a = draw(st.integers(0, len(message)))
                name = message[a:draw(st.integers(a, len(message)))]
            elif kind == 1:
                name = draw(st.sampled_from(["a.b", "x+y", "ab", "a-a", "0", "1x", "MyStack",
                                             "a b", "\u00e91", "x", "", "[x]", "a.", None]))
            elif kind == 2:
                name = None
            else:
                name = draw(_text)
        messages.append(message)
        names.append(name)
    return messages, names


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_columns())
def test_same_as_reference_on_generated_text(columns):
    assert_same(*columns)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_columns(), st.integers(1, 120))
def test_same_as_reference_in_small_groups(columns, group):
    old = _steps._GROUP
    _steps._GROUP = group
    try:
        assert_same(*columns)
    finally:
        _steps._GROUP = old


def test_column_version_is_much_faster_than_the_reference():
    rng = random.Random(3)
    templates = [
        "Provisioning Virtual Machine wls/vm-{n}...",
        "Child job [{j}] completed creating compute resources for host [{s}-wls-{n}].",
        "Initializing stack {s}",
        "Successfully created ACCS Service {s}-App",
        "Backup [{j}] of service [{s}] uploaded in {n} s",
        "PSM-CRT-{n}: Operation failed for service [{s}]",
        "Activity Ended",
    ]
    messages, names = [], []
    for i in range(200_000):
        s = f"Stack{i // 20}"
        messages.append(rng.choice(templates).format(n=rng.randrange(1000),
                                                    j=3_000_000 + i, s=s))
        names.append(s)
    messages = pd.Series(messages, dtype="str")
    names = pd.Series(names, dtype="str")
    step_names(messages[:1000], names[:1000])               # warm up
    t0 = time.perf_counter()
    fast = step_names(messages, names)
    fast_per_row = (time.perf_counter() - t0) / len(messages)
    sample = slice(0, 20_000)
    t0 = time.perf_counter()
    slow = reference(messages[sample], names[sample])
    slow_per_row = (time.perf_counter() - t0) / len(slow)
    assert list(fast[sample]) == slow
    print(f"\nstep_names {fast_per_row * 1e9:.0f} ns/row, step_name {slow_per_row * 1e9:.0f} "
          f"ns/row, {slow_per_row / fast_per_row:.0f}x")
    assert slow_per_row / fast_per_row > 5
