"""Read PSM activity-log jobs from JSON in any shape into a :class:`JobLog`.

Pure: no network. ``read_*`` reads files; ``parse_*`` takes data in memory.

Shapes accepted, in files or in memory:

* one job object (``stack/job/{id}``, ``job/{id}``, ``message/{logId}``);
* a JSON array of jobs;
* a listing ``{"activityLogs": [...]}`` (``filter``, ``stack/{name}``, service-detail bodies);
* newline-delimited JSON, one job or listing per line;
* any mix of the above across several files, folders (recursive), globs.
"""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd

from . import _schema as S
from ._util import threads
from .errors import InputError

__all__ = ["JobLog", "read_jobs", "parse_jobs"]

Errors = Literal["raise", "skip"]
_JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
_GLOB_CHARS = set("*?[")
_PSM_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
_MAX_INT64 = 2**63 - 1


@dataclass(frozen=True)
class JobLog:
    """Jobs, their messages, and what could not be loaded.

    Attributes
    ----------
    jobs : pandas.DataFrame
        One row per job (see ``stacklog._schema.JOB_COLUMNS``); timestamps are tz-aware UTC.
    messages : pandas.DataFrame
        One row per message: ``job_id``, ``seq`` (position in the job's original array),
        ``activity_date`` (UTC), ``message``; sorted by ``job_id`` then ``activity_date``
        (stable: ties keep their original order).
    problems : pandas.DataFrame
        ``source``, ``job_id``, ``field``, ``reason``, ``action``: one row per file or job set
        aside (``action == "skipped"``) or value replaced by NA (``action == "kept"``).
    """

    jobs: pd.DataFrame
    messages: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: _empty_problems())

    def __len__(self) -> int:
        return len(self.jobs)

    def __repr__(self) -> str:
        return (f"<JobLog: {_count(len(self.jobs), 'job')}, "
                f"{_count(len(self.messages), 'message')}, "
                f"{_count(len(self.problems), 'problem')}>")

    def subset(self, job_ids: Iterable[int]) -> JobLog:
        """Return a new JobLog restricted to ``job_ids`` (problems are kept whole)."""
        ids = pd.Index(pd.array(list(job_ids), dtype=S.ID_DTYPE))
        jobs = self.jobs[self.jobs["job_id"].isin(ids)].reset_index(drop=True)
        messages = self.messages[self.messages["job_id"].isin(ids)].reset_index(drop=True)
        return JobLog(jobs, messages, self.problems)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- public API


def read_jobs(*sources: str | os.PathLike, errors: Errors = "raise") -> JobLog:
    """Read jobs from files, folders (recursively) and glob patterns.

    Parameters
    ----------
    *sources : str or path-like
        Files (``.json``, ``.ndjson``, ``.jsonl`` or any name), folders (every JSON file
        below them, recursively, in sorted order) and glob patterns (``"dumps/**/*.json"``).
    errors : {"raise", "skip"}
        ``"raise"`` (default) raises :class:`~stacklog.errors.InputError` naming the file and
        the field at the first malformed input. ``"skip"`` loads everything else and lists
        each file or job set aside, and each value replaced by NA, in ``JobLog.problems``.

    Returns
    -------
    JobLog
    """
    _check_errors(errors)
    if not sources:
        raise InputError("read_jobs", "sources", "give at least one file, folder or glob")
    targets = list(_expand(sources))
    if all(problem is None for _, problem in targets):
        fast = _fast_read([path for path, _ in targets])
        if fast is not None:
            return fast
    return _read_careful(targets, errors)


def _read_careful(targets: list[tuple[str, str | None]], errors: Errors) -> JobLog:
    """The careful path: every document through the builder, problems reported."""
    builder = _Builder(errors)
    for path, problem in targets:
        if problem is not None:
            builder.problem(path, None, "file", problem, skipped=True)
            continue
        try:
            data = _read_file(path)
        except OSError as exc:
            builder.problem(path, None, "file", f"cannot read: {exc.strerror or exc}",
                            skipped=True)
            continue
        builder.add_bytes(data, path)
    return builder.build()


def parse_jobs(obj: Any, source: str = "inline", errors: Errors = "raise") -> JobLog:
    """Parse jobs held in memory.

    Parameters
    ----------
    obj : dict, list, str or bytes
        A job, a list of jobs, a listing ``{"activityLogs": [...]}``, or their JSON text
        (a document or newline-delimited JSON).
    source : str
        Label used in the ``source`` column and in error messages.
    errors : {"raise", "skip"}
        As in :func:`read_jobs`.
    """
    _check_errors(errors)
    builder = _Builder(errors)
    if isinstance(obj, str):
        obj = obj.encode("utf-8", "surrogatepass")   # a lone surrogate: invalid UTF-8 below
    if isinstance(obj, (bytes, bytearray, memoryview)):
        builder.add_bytes(bytes(obj), source)
    elif isinstance(obj, (dict, list, tuple)):
        # the same checks as for a file: JSON types only, str keys, valid text, 64-bit ints
        try:
            data = orjson.dumps(obj)
        except TypeError as exc:
            builder.problem(source, None, "json", f"not JSON data: {exc}", skipped=True)
        else:
            builder.add_bytes(data, source)
    else:
        builder.problem(source, None, "json",
                        f"expected a dict, list, str or bytes, got {type(obj).__name__}",
                        skipped=True)
    return builder.build()


# --------------------------------------------------------------------------- sources


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")


def _expand(sources: Iterable[str | os.PathLike]) -> Iterator[tuple[str, str | None]]:
    """Yield (path, None) for each file to read, or (source, reason) when there is none."""
    sources = list(sources)
    seen: set[str] = set()
    for src in sources:
        text = os.fsdecode(src)
        globbed = False
        if os.path.isdir(text):
            files, problems = _walk(text)
            yield from problems
            if not files and not problems:
                yield text, "folder holds no .json, .ndjson or .jsonl files"
        elif os.path.isfile(text):
            files = [text]
        elif _GLOB_CHARS & set(text):
            globbed = True
            files = []
            for match in sorted(glob.glob(text, recursive=True)):
                if os.path.isdir(match):
                    found, problems = _walk(match)
                    files.extend(found)
                    yield from problems
                elif os.path.isfile(match) and (match.lower().endswith(_JSON_SUFFIXES)
                                                or os.path.basename(text) not in ("*", "**")):
                    files.append(match)     # "dumps/*" takes JSON files; "*.txt" takes any
            if not files:
                yield text, "glob pattern matches no JSON file or folder"
        else:
            yield text, "no such file or folder"
            continue
        if globbed or len(sources) > 1:         # a folder's walk lists each file once
            files = list(dict.fromkeys(files))      # each file once, in order
            if seen:
                files = [f for f in files if f not in seen]
            seen.update(files)
        yield from zip(files, itertools.repeat(None))


def _read_file(path: str) -> bytes:
    """A file's bytes, with plain system calls (quicker than ``open().read()`` for the many
    small files of a fetched folder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return _read_fd(fd)
    finally:
        os.close(fd)


def _read_fd(fd: int) -> bytes:
    """All the bytes of an open file from where it is: one read when its size is right."""
    parts = []
    want = max(os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR), 0) + 1
    while chunk := os.read(fd, want):
        parts.append(chunk)
        want = 1 << 20
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _walk(folder: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Every JSON file below ``folder``, sorted, and the sub-folders that could not be read.

    os.scandir is much quicker than pathlib at 10^5 files; a folder reached twice through
    symbolic links is read once.
    """
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    visited: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = os.stat(current)
            if (info.st_dev, info.st_ino) in visited:
                continue
            visited.add((info.st_dev, info.st_ino))
            with os.scandir(current) as entries:
                for entry in entries:
                    name = entry.name
                    if (name.endswith(".json") or name.lower().endswith(_JSON_SUFFIXES)) \
                            and entry.is_file():
                        files.append(entry.path)
                    elif entry.is_dir():
                        stack.append(entry.path)
        except OSError as exc:
            problems.append((current, f"cannot read folder: {exc.strerror or exc}"))
    return sorted(files), problems


# --------------------------------------------------------------------------- the fast path
#
# Well-formed corpora (one job per file, or newline-delimited jobs: what `stacklog fetch` and
# the vendor CLI write) are parsed by Arrow's multi-threaded JSON reader straight into columns,
# with no Python object per message. Anything the fast path is not sure about (another shape,
# a type it does not expect, a value the careful path would report) makes it give up, and the
# careful path below reads everything again: both give the same frames, and only the careful
# path reports problems.
#
# Files are read with plain system calls straight into a reusable buffer, one after another
# and each followed by a newline; a full buffer is checked and parsed in a worker thread
# (numpy and Arrow release the GIL) while the next files are read into another one.

_FAST_BATCH_BYTES = 32 * 2**20
_FIRST_BATCH_BYTES = 4 * 2**20


def _fast_read(paths: list[str]) -> JobLog | None:
    """Read files holding only job objects with Arrow; None when the careful path must."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    tables: list = []
    sources: list[str] = []
    pending: list = []                  # (future, paths, buffer) of each batch, in file order
    spare: list[_Buffer] = []           # buffers whose batch is parsed
    failed = False

    def collect() -> None:
        """Wait for the oldest batch; keep its table."""
        nonlocal failed
        future, names, used = pending.pop(0)
        table, rows = future.result()
        if used is not None and len(used.data) == _FAST_BATCH_BYTES:
            spare.append(used)
        if table is None:
            failed = True
            return
        tables.append(table)
        if len(rows) == table.num_rows:                   # one job per file
            sources.extend(names)
        else:
            sources.extend(np.repeat(np.asarray(names, dtype=object), rows).tolist())

    with ThreadPoolExecutor(1) as pool:
        def submit(future_args: tuple, names: list[str], used: _Buffer | None) -> None:
            pending.append((pool.submit(*future_args), names, used))
            while len(pending) > 1 and not failed:
                collect()

        # once per file: plain system calls, no copy, no check (the worker checks a whole
        # batch at once)
        buf = _Buffer(min(_FIRST_BATCH_BYTES, _FAST_BATCH_BYTES))
        data, view, cap, pos = buf.data, buf.view, len(buf.data) - 1, 0
        ends: list[int] = []
        names: list[str] = []
        read, readv, close, flags = os.read, os.readv, os.close, os.O_RDONLY
        try:
            for path in paths:
                if failed:                          # a batch the careful path must read
                    break
                fd = os.open(path, flags)
                try:
                    n = readv(fd, [view[pos:cap]]) if pos < cap else 0
                    # a read of a regular file shorter than asked for ends at its end
                    # (POSIX, but for signals; Linux lets only fatal ones cut such reads)
                    if pos >= cap or (pos + n >= cap and read(fd, 1)):    # a new batch
                        if names:
                            submit((_parse_batch, buf, pos, ends), names, buf)
                            buf = spare.pop() if spare else _Buffer(_FAST_BATCH_BYTES)
                            data, view, cap, pos = buf.data, buf.view, len(buf.data) - 1, 0
                            ends, names = [], []
                        os.lseek(fd, 0, os.SEEK_SET)
                        whole = None
                        size = os.fstat(fd).st_size
                        if size >= cap:                     # larger than a batch
                            for piece, end in _pieces(fd, size):
                                if piece is None:           # not newline-delimited
                                    os.lseek(fd, 0, os.SEEK_SET)
                                    whole = _read_fd(fd)
                                    submit((_parse_file, whole), [path], None)
                                    break
                                submit((_parse_file, piece, end, True), [path], None)
                                if failed:
                                    break
                            continue
                        whole = _read_fd(fd)
                        n = len(whole)
                        if n >= cap:                        # it grew meanwhile
                            submit((_parse_file, whole), [path], None)
                            continue
                        data[:n] = whole
                finally:
                    close(fd)
                pos += n
                ends.append(pos)
                names.append(path)
                data[pos] = 0x0A                      # a newline after each file
                pos += 1
        except OSError:
            failed = True
        if not failed and names:
            submit((_parse_batch, buf, pos, ends), names, buf)
        while pending and not failed:
            collect()
        # leaving the pool waits for a batch still being parsed
    if failed or not tables:
        return None
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
        return _fast_frames(table, sources)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):   # a key not UTF-8
        return None


class _Buffer:
    """A batch's bytes, reused from batch to batch (fresh memory costs a page fault per
    page)."""

    def __init__(self, size: int):
        self.data = bytearray(size)
        self.view = memoryview(self.data)


_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[0x20, 0x09, 0x0A, 0x0D]] = True


def _parse_batch(buf: _Buffer, size: int, ends: list[int]):
    """Check and parse files laid one after another in a buffer, each followed by a newline
    at ``ends`` (in a worker thread): (Arrow table or None, the rows of each file).

    Each file must hold one JSON object (compact or pretty-printed) or newline-delimited
    objects. A file of one object is made one line: its newlines and carriage returns
    become tabs, the same JSON (a raw newline can only be whitespace in JSON, and a raw tab
    in a string is as invalid as a raw newline), so that the whole batch goes through
    Arrow's reader for newline-delimited JSON, in parallel blocks.
    """
    ends_ = np.asarray(ends, dtype=np.int64)
    found = _shapes(buf.data, size, ends_)
    if found is None:
        return None, None
    rows, single = found
    longest = 0
    if single.any():
        data = np.frombuffer(buf.data, dtype=np.uint8, count=size)
        starts = np.concatenate([[0], ends_[:-1] + 1])
        # everything but the newline-delimited files, in as few ranges as there are of those
        cuts = np.flatnonzero(~single)
        lows = np.concatenate([[0], ends_[cuts] + 1])
        highs = np.concatenate([starts[cuts], [size]])
        for byte in (0x0A, 0x0D):
            if byte == 0x0A or buf.data.find(b"\r", 0, size) >= 0:
                for a, b in zip(lows.tolist(), highs.tolist()):
                    _replace(data[a:b], byte, 0x09)
        data[ends_] = 0x0A
        longest = int((ends_ - starts)[single].max())
    return _checked(_parse_json(buf.view[:size], longest), rows)


def _pieces(fd: int, size_hint: int | None = None) -> Iterator[tuple[bytearray | None, int]]:
    """A large newline-delimited file in pieces of about a batch: (buffer, end), the piece
    being ``buffer[:end]`` and ending after a newline (the last one at the end of the file).
    (None, 0) first if the file's first line is not a whole object (one pretty-printed
    object cannot be cut).

    Two buffers take turns (fresh memory costs a page fault per page): a piece's buffer is
    read into again two pieces later, so the caller must be done with a piece before it asks
    for the one after next (``_fast_read`` waits for a piece to be parsed before it submits
    the next). The first is no larger than the file (``size_hint``: its size), the second is
    made when needed.
    """
    first_size = _FAST_BATCH_BYTES if size_hint is None else max(
        1, min(_FAST_BATCH_BYTES, size_hint + 1))
    bufs = [bytearray(first_size), bytearray(0)]
    k, size, first = 0, 0, True                    # bufs[k][:size] is read, not yet given
    while True:
        buf = bufs[k]
        if size == len(buf):                        # a line longer than a buffer
            bufs[k] = buf = buf + bytes(len(buf))
        n = os.readv(fd, [memoryview(buf)[size:]])
        if not n:
            break
        size += n
        end = buf.rfind(b"\n", 0, size) + 1
        if end == 0:                                # no newline yet: read on
            continue
        if first:
            first = False
            if not _first_line_is_object(buf, end):
                yield None, 0
                return
        yield buf, end
        k, rest = 1 - k, size - end                 # what follows the newline comes first
        if rest >= len(bufs[k]):
            bufs[k] = bytearray(max(_FAST_BATCH_BYTES, 2 * rest))
        bufs[k][:rest] = memoryview(buf)[end:size]
        size = rest
    if bytes(bufs[k][:size]).strip():
        yield bufs[k], size


def _first_line_is_object(data: bytes, end: int) -> bool:
    """Whether the first line of ``data[:end]`` that is not blank ends with ``}``."""
    start = 0
    while start < end and data[start] in b" \t\r\n":
        start += 1
    line_end = data.find(b"\n", start, end)
    if line_end < 0:
        line_end = end
    while line_end > start and data[line_end - 1] in b" \t\r":
        line_end -= 1
    return line_end > start and data[line_end - 1] == 0x7D


def _parse_file(data: bytes, end: int | None = None, piece: bool = False):
    """A large file, or a piece ``data[:end]`` of a newline-delimited one, on its own: (Arrow
    table or None, its rows). The same rules as :func:`_shapes`, with the methods of bytes
    (no copy of newline-delimited data)."""
    start, end = 0, len(data) if end is None else end
    while start < end and data[start] in b" \t\r\n":
        start += 1
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    if end - start < 2 or data[start] != 0x7B or data[end - 1] != 0x7D:   # { ... }
        return None, None
    if _first_line_is_object(data, end):                     # newline-delimited objects
        if data.find(b"\r", start, end) >= 0:
            return None, None
        rows = _object_lines(np.frombuffer(data, dtype=np.uint8), start, end - 1)
        if rows is None:
            return None, None
        return _checked(_parse_json(memoryview(data)[start:end]), np.array([rows]))
    if piece:                       # a piece must be newline-delimited objects, like the first
        return None, None
    data = data[start:end].replace(b"\n", b"\t").replace(b"\r", b"\t")   # one object
    return _checked(_parse_json(data, len(data)), np.array([1]))


_BLANK = np.zeros(256, dtype=bool)
_BLANK[[0x20, 0x09]] = True


def _object_lines(data: np.ndarray, lo: int, hi: int) -> int | None:
    """How many lines ``data[lo:hi + 1]`` holds that are not blank, if each of them starts
    with ``{`` and ends with ``}`` (spaces and tabs aside); else None.

    Then each line holds at least one object (no JSON value holds ``}`` then ``{`` with only
    whitespace between), and as the reader must find exactly as many objects as promised,
    exactly one.
    """
    seg = data[lo:hi + 1]
    nl = _positions_of(seg, 0x0A)
    s = np.concatenate([[0], nl + 1])
    e = np.concatenate([nl, [len(seg)]])
    todo = np.flatnonzero(s < e)                    # step over leading blanks
    while len(todo):
        todo = todo[_BLANK[seg[s[todo]]]]
        s[todo] += 1
        todo = todo[s[todo] < e[todo]]
    todo = np.flatnonzero(e > s)                    # and trailing ones
    while len(todo):
        todo = todo[_BLANK[seg[e[todo] - 1]]]
        e[todo] -= 1
        todo = todo[e[todo] > s[todo]]
    full = e > s
    s, e = s[full], e[full]
    if not ((seg[s] == 0x7B).all() and (seg[e - 1] == 0x7D).all()):
        return None
    return int(full.sum())


def _megabytes(data: np.ndarray, byte: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(offset, part, part == byte) for each megabyte of ``data``: one array of flags, reused
    (fresh memory costs a page fault per page)."""
    chunk = 1 << 20
    flags = np.empty(min(chunk, len(data)), dtype=bool)
    for i in range(0, len(data), chunk):
        part = data[i:i + chunk]
        hit = flags[:len(part)]
        np.equal(part, byte, out=hit)
        yield i, part, hit


def _replace(data: np.ndarray, old: int, new: int) -> None:
    """data[data == old] = new. When ``new`` is ``old - 1`` (a newline to a tab) the flags
    are subtracted: quicker than a masked copy."""
    for _, part, hit in _megabytes(data, old):
        if old == new + 1:
            np.subtract(part, hit.view(np.uint8), out=part)
        else:
            np.copyto(part, new, where=hit)


def _positions_of(data: np.ndarray, byte: int) -> np.ndarray:
    """Where ``data`` holds ``byte``."""
    return np.concatenate([np.zeros(0, dtype=np.int64)]
                          + [np.flatnonzero(hit) + i for i, _, hit in _megabytes(data, byte)])


def _line_starts(data: np.ndarray) -> np.ndarray:
    """Where ``data`` holds ``b"\\n{"`` (the positions of the newlines), a megabyte at a time:
    compared as 16-bit words that start at even and at odd positions (two passes over half
    as many items, quicker than comparing the bytes twice and combining)."""
    chunk = 1 << 20
    flags = np.empty(chunk // 2 + 1, dtype=bool)
    word = np.frombuffer(b"\n{", dtype="<u2")[0]
    found = []
    stop = len(data) - 1                      # the last position a pair can start at, + 1
    for i in range(0, stop, chunk):
        hi = min(i + chunk, stop)
        for a in (i, i + 1):
            m = (hi - a + 1) // 2
            if m <= 0:
                continue
            hit = flags[:m]
            np.equal(data[a:a + 2 * m].view("<u2"), word, out=hit)
            found.append(np.flatnonzero(hit) * 2 + a)
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _checked(table, rows: np.ndarray):
    """A table with as many rows as the files promised, else None (a file holds more
    objects than its shape says)."""
    if table is None or table.num_rows != int(rows.sum()):
        return None, None
    return table, rows


def _shapes(buffer: bytearray, size: int, ends: np.ndarray):
    """The shapes of files laid one after another in ``buffer[:size]``, each followed by a
    newline at ``ends``: the objects each promises (``rows``) and which hold one object
    (``single``; the others hold newline-delimited objects).

    A file whose first and last bytes other than whitespace are not ``{`` and ``}`` (an
    array, a listing is found later, nothing) gives None. A file holding a line that starts
    with ``{`` and whose first line ends an object holds newline-delimited objects: each of
    its lines that is not blank must start with ``{`` and end with ``}`` (see
    :func:`_object_lines`), and it must not hold a carriage return (Arrow takes one for a
    line end), else None. Every file then makes at least the rows it promises, and the JSON
    reader checks the total: a pretty-printed file of two objects, or a line of two, makes
    more rows than promised.
    """
    data = np.frombuffer(buffer, dtype=np.uint8, count=size)
    m = len(ends)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lo = starts.copy()                               # step over leading whitespace
    todo = np.flatnonzero(lo < ends)
    while len(todo):
        todo = todo[_WHITESPACE[data[lo[todo]]]]
        lo[todo] += 1
        todo = todo[lo[todo] < ends[todo]]
    hi = ends - 1                                    # and trailing whitespace
    todo = np.flatnonzero(hi >= starts)
    while len(todo):
        todo = todo[_WHITESPACE[data[hi[todo]]]]
        hi[todo] -= 1
        todo = todo[hi[todo] >= starts[todo]]
    if (hi - lo < 1).any() or (data[lo] != 0x7B).any() or (data[hi] != 0x7D).any():
        return None
    rows = np.ones(m, dtype=np.int64)
    single = np.ones(m, dtype=bool)
    at = _line_starts(data)
    k = np.searchsorted(ends, at)                    # the file of each (a separator is
    inner = (at > lo[k]) & (at < hi[k])              # followed by the next file's "{")
    if inner.any():
        cr = buffer.find(b"\r", 0, size) >= 0
        for f in np.unique(k[inner]).tolist():      # few: is the first line an object?
            p = buffer.find(b"\n", int(lo[f]), int(hi[f])) - 1
            while _WHITESPACE[data[p]]:
                p -= 1
            if data[p] != 0x7D:
                continue                            # one pretty-printed object
            if cr and buffer.find(b"\r", int(starts[f]), int(ends[f])) >= 0:
                return None
            lines = _object_lines(data, int(lo[f]), int(hi[f]))
            if lines is None:
                return None
            single[f] = False
            rows[f] = lines
    return rows, single


def _parse_json(data, longest_line: int = 0):
    """An Arrow table of the newline-delimited JSON objects in ``data``, or None if Arrow
    refuses it. Blocks hold at least the longest line. The documented keys have their types
    given (a fifth less work than inferring them); other keys are inferred."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    block = max(1 << 20, min(len(data) // 4, 1 << 23), longest_line + 2)
    try:
        return pa_json.read_json(
            pa.BufferReader(data),
            read_options=pa_json.ReadOptions(block_size=block),
            parse_options=pa_json.ParseOptions(explicit_schema=_job_schema()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


@lru_cache(maxsize=1)
def _job_schema():
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [(key, pa.int64() if col in S.ID_COLUMNS else text) for key, col in S.JOB_KEYS.items()]
        + [("messages", pa.list_(pa.struct([("activityDate", text),
                                             ("message", pa.large_string())])))])


def _fast_frames(table, sources: list[str]) -> JobLog | None:
    """Columns of an Arrow table of jobs -> JobLog, or None if anything needs the careful path.

    The costly per-message work (timestamps, the UTF-8 check of the text) runs chunk by chunk
    on one thread per core while the job columns are built (Arrow releases the GIL).
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.compute as pc

    names = set(table.column_names)
    if "activityLogs" in names or "job_id" in names or "jobId" not in names:
        return None
    messages = _message_arrays(table) if "messages" in names else None
    if messages is False:
        return None
    if messages is None:
        messages = (np.zeros(table.num_rows, dtype=np.int64),
                    pa.chunked_array([], pa.string()), pa.chunked_array([], pa.large_string()))
    counts, dates_arr, text_arr = messages
    with ThreadPoolExecutor(threads()) as pool:
        parsing = [pool.submit(_cast_utc, chunk) for chunk in dates_arr.chunks]
        # Arrow does not check UTF-8 on reading
        checking = [pool.submit(_valid_utf8, chunk) for chunk in text_arr.chunks]
        checking.append(pool.submit(_valid_utf8, table, True))
        jobs = _job_columns(table, names)
        parsed = [job.result() for job in parsing]
        if jobs is None or any(p is None for p in parsed) \
                or not all(job.result() for job in checking):
            return None
    dates = _utc_series(pa.chunked_array(parsed, pa.timestamp("us", tz="UTC")))
    n = table.num_rows
    jobs["message_count"] = counts
    jobs["source"] = pd.Series(sources, dtype="str")
    for key in table.column_names:
        if key in S.JOB_KEYS or key == "messages":
            continue
        values = table.column(key).combine_chunks()
        kind = values.type
        if not (pa.types.is_string(kind) or pa.types.is_integer(kind)
                or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
                or pa.types.is_null(kind)):
            return None          # nested values, or text Arrow took for a time: keep as JSON
        if pa.types.is_floating(kind) and len(values) - values.null_count:
            finite = pc.is_finite(values)
            if not pc.all(finite).as_py() or pc.max(pc.abs(values)).as_py() >= 2**53:
                return None      # NaN/Infinity (not JSON), or an integer too big for int64
        name = S.snake_case(key)
        if name in S.JOB_COLUMNS or name in S.MESSAGE_COLUMNS:
            name = f"{name}_raw"
        if name in jobs.columns:
            return None
        jobs[name] = _extra_column(dict(enumerate(values.to_pylist())), n) \
            if not pa.types.is_string(values.type) else pd.Series(values, dtype="str")
    seq = _positions(counts)
    return _assemble(jobs, seq, dates, pd.Series(text_arr, dtype="str"), _empty_problems())


def _message_arrays(table):
    """(message counts, timestamps, texts) of a table's ``messages`` column, chunked as read
    (no copy of every message); None if it holds only nulls; False if a message is not an
    object with a timestamp and text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    msgs = table.column("messages")
    kind = msgs.type
    if pa.types.is_null(kind):
        return None
    if not pa.types.is_list(kind) or not pa.types.is_struct(kind.value_type):
        return False
    fields = {kind.value_type.field(i).name: kind.value_type.field(i).type
              for i in range(kind.value_type.num_fields)}
    if not pa.types.is_string(fields.get("activityDate", pa.null())):
        return False
    text_type = fields.get("message", pa.null())
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)
            or pa.types.is_null(text_type)):
        return False
    counts = pc.fill_null(pc.list_value_length(msgs), 0).to_numpy().astype(np.int64)
    flat = pc.list_flatten(msgs)
    if flat.null_count:
        return False                             # a message that is not an object
    dates = pc.struct_field(flat, "activityDate")
    if dates.null_count:
        return False                             # a message without a timestamp
    # large_string: how pandas keeps text, so the column is not copied again
    text = (pc.struct_field(flat, "message").cast(pa.large_string())
            if "message" in fields else pa.chunked_array([pa.nulls(len(flat),
                                                                    pa.large_string())]))
    if not isinstance(dates, pa.ChunkedArray):
        dates, text = pa.chunked_array([dates]), pa.chunked_array([text])
    return counts, dates, text


def _job_columns(table, names: set[str]) -> pd.DataFrame | None:
    """The documented job columns of a table of jobs; None if a value needs the careful
    path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    jobs = pd.DataFrame(index=pd.RangeIndex(n))
    for key, col in S.JOB_KEYS.items():
        # chunked as read: pandas keeps Arrow chunks, and numpy copies once anyway
        values = table.column(key) if key in names else pa.chunked_array([pa.nulls(n)])
        kind = values.type
        if col in S.ID_COLUMNS:
            if not (pa.types.is_integer(kind) or pa.types.is_null(kind)):
                return None
            values = values.cast(pa.int64())
            if col == "job_id" and (values.null_count or pc.min(values).as_py() < 0):
                return None
            if col != "job_id" and values.null_count < n and pc.min(values).as_py() < 0:
                return None
            jobs[col] = pd.array(values.to_numpy(zero_copy_only=False)
                                 if not values.null_count else values.to_pylist(),
                                 dtype=S.ID_DTYPE)
        else:
            if not (pa.types.is_string(kind) or pa.types.is_null(kind)):
                return None
            values = values.cast(pa.string())
            if col in S.DATE_COLUMNS:
                parsed = _fast_dates(values)
                if parsed is None:
                    return None
                jobs[col] = parsed
            else:
                jobs[col] = pd.Series(values, dtype="str")
    jobs["service_type"] = jobs["service_type"].str.lower()
    jobs["status"] = _map_unique(jobs["status"], S.canonical_status)
    return jobs


def _valid_utf8(values, strings_only: bool = False) -> bool:
    """Whether an Arrow array (or each string column of a table) holds valid UTF-8."""
    import pyarrow as pa

    try:
        if strings_only:
            for i, field in enumerate(values.schema):
                if pa.types.is_string(field.type):
                    values.column(i).validate(full=True)
        else:
            values.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _fast_dates(values) -> pd.Series | None:
    """Arrow's ISO 8601 cast to UTC; None when a value needs the careful path."""
    parsed = _cast_utc(values)
    return None if parsed is None else _utc_series(parsed)


def _cast_utc(values):
    import pyarrow as pa

    try:
        return values.cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _utc_series(parsed) -> pd.Series:
    """Arrow UTC microseconds -> a datetime64[us, UTC] series (the naive values are UTC)."""
    return pd.Series(parsed.to_numpy(zero_copy_only=False).astype("M8[us]", copy=False),
                     dtype=S.TIMESTAMP_DTYPE, copy=False)


def _positions(counts: np.ndarray) -> np.ndarray:
    """0..count-1 for each count, concatenated."""
    total = int(counts.sum())
    out = np.ones(total, dtype=np.int64)        # steps of 1, back to 0 at each job's start
    if total:
        sizes = counts[counts > 0]
        out[np.cumsum(sizes[:-1])] = 1 - sizes[:-1]
        out[0] = 0
        np.cumsum(out, out=out)
    return out


def _map_unique(values: pd.Series, func) -> pd.Series:
    """``values.map(func)`` computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.asarray([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(mapped) else [], index=values.index, dtype="str")


# --------------------------------------------------------------------------- the builder


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.Series([], dtype="str"),
            "job_id": pd.Series([], dtype=S.ID_DTYPE),
            "field": pd.Series([], dtype="str"),
            "reason": pd.Series([], dtype="str"),
            "action": pd.Series([], dtype="str"),
        }
    )


class _Builder:
    """Collects jobs column by column, then builds the frames in one go."""

    def __init__(self, errors: Errors):
        self.errors = errors
        self.cols: dict[str, list] = {c: [] for c in S.JOB_KEYS.values()}
        self.extra: dict[str, dict[int, Any]] = {}
        self.extra_names: dict[str, str] = {}
        self.sources: list[str] = []
        self.counts: list[int] = []
        # messages, one entry per message, as parallel lists
        self.m_copy: list[np.ndarray] = []
        self.m_dates: list[list] = []
        self.m_text: list[list] = []
        self.problems: list[tuple] = []

    # -- problems

    def problem(self, source: str, job_id: int | None, fld: str, reason: str, *,
                skipped: bool) -> None:
        """Raise in errors='raise' mode, else record a problem row."""
        if self.errors == "raise":
            raise InputError(source, fld, reason, job_id)
        self.problems.append((str(source), job_id, fld, reason,
                              "skipped" if skipped else "kept"))

    # -- input

    def add_bytes(self, data: bytes, source: str) -> None:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        head = data.lstrip()[:200]
        if not head:
            self.problem(source, None, "file", "empty: no JSON in it", skipped=True)
            return
        if head[:1] == b"<":
            snippet = head[:60].decode("utf-8", "replace").replace("\n", " ")
            self.problem(source, None, "json",
                         f"not JSON: looks like an HTML or XML page ({snippet!r})", skipped=True)
            return
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            lines = data.splitlines()
            if len(lines) > 1 and _is_json_object(lines[0]):
                self._add_ndjson(lines, source)
            else:
                self.problem(source, None, "json", f"invalid JSON: {exc}", skipped=True)
            return
        self.add_document(doc, source)

    def _add_ndjson(self, lines: list[bytes], source: str) -> None:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                self.problem(source, None, f"line {n}", f"invalid JSON: {exc}", skipped=True)
                continue
            self.add_document(doc, source, where=f"line {n}: ")

    def add_document(self, doc: Any, source: str, where: str = "") -> None:
        if isinstance(doc, dict):
            if "activityLogs" in doc:
                logs = doc["activityLogs"]
                if logs is None:
                    return
                if not isinstance(logs, list):
                    self.problem(source, None, f"{where}activityLogs",
                                 f"expected a list of jobs, got {_kind(logs)}", skipped=True)
                    return
                for i, job in enumerate(logs):
                    self.add_job(job, source, f"{where}activityLogs[{i}]")
            else:
                self.add_job(doc, source, where.rstrip(": "))
        elif isinstance(doc, (list, tuple)):
            for i, item in enumerate(doc):
                if isinstance(item, dict) and "activityLogs" in item:
                    self.add_document(item, source, f"{where}[{i}].")
                else:
                    self.add_job(item, source, f"{where}[{i}]")
        else:
            self.problem(source, None, f"{where}json" if where else "json",
                         "expected a job object, a list of jobs or {\"activityLogs\": [...]}, "
                         f"got {_kind(doc)}", skipped=True)

    def add_job(self, job: Any, source: str, where: str) -> None:
        prefix = f"{where}." if where else ""
        if not isinstance(job, dict):
            self.problem(source, None, where or "json",
                         f"expected a job object, got {_kind(job)}", skipped=True)
            return
        raw_id = job.get("jobId", job.get("job_id"))
        job_id, why = _as_id(raw_id)
        if job_id is None:
            self.problem(source, None, f"{prefix}jobId",
                         why if raw_id is not None else "missing: a job needs a jobId",
                         skipped=True)
            return
        msgs = job.get("messages")
        if msgs is None:
            msgs = []
        elif not isinstance(msgs, list):
            self.problem(source, job_id, f"{prefix}messages",
                         f"expected a list of messages, got {_kind(msgs)}", skipped=True)
            return
        bad = next((i for i, m in enumerate(msgs) if not isinstance(m, dict)), None)
        if bad is not None:
            self.problem(source, job_id, f"{prefix}messages[{bad}]",
                         f"expected a message object, got {_kind(msgs[bad])}", skipped=True)
            return

        row = len(self.sources)
        cols = self.cols
        for key, col in S.JOB_KEYS.items():
            value = job.get(key)
            if col in S.ID_COLUMNS:
                if col == "job_id":
                    value = job_id
                elif value is not None:
                    value, why = _as_id(value)
                    if value is None:
                        self.problem(source, job_id, f"{prefix}{key}", why, skipped=False)
            elif value is not None and col not in S.DATE_COLUMNS and not isinstance(value, str):
                value = str(value)
            cols[col].append(value)
        for key, value in job.items():
            if key in S.JOB_KEYS or key == "messages" or (key == "job_id" and "jobId" not in job):
                continue
            name = self.extra_names.get(key)
            if name is None:
                name = S.snake_case(key)
                if name in S.JOB_COLUMNS or name in S.MESSAGE_COLUMNS:
                    name = f"{name}_raw"
                taken = set(self.extra_names.values())
                base, k = name, 2
                while name in taken:                 # fooBar and foo_bar: two columns
                    name, k = f"{base}_{k}", k + 1
                self.extra_names[key] = name
            self.extra.setdefault(name, {})[row] = value
        self.sources.append(str(source))
        self.counts.append(len(msgs))
        if msgs:
            self.m_copy.append(np.full(len(msgs), row, dtype=np.int64))
            self.m_dates.append([m.get("activityDate") for m in msgs])
            self.m_text.append([m.get("message") for m in msgs])

    # -- output

    def build(self) -> JobLog:
        n = len(self.sources)
        jobs = pd.DataFrame(index=pd.RangeIndex(n))
        for col, values in self.cols.items():
            if col in S.ID_COLUMNS:
                jobs[col] = pd.array(values, dtype=S.ID_DTYPE)
            elif col in S.DATE_COLUMNS:
                jobs[col] = self._dates(values, self.cols["job_id"], None, col)
            else:
                jobs[col] = pd.Series(values, dtype="str")
        jobs["service_type"] = jobs["service_type"].str.lower()
        jobs["status"] = jobs["status"].map(S.canonical_status).astype("str")
        jobs["message_count"] = np.asarray(self.counts, dtype=np.int64)
        jobs["source"] = pd.Series(self.sources, dtype="str")
        for name, values in self.extra.items():
            jobs[name] = _extra_column(values, n)

        # messages of every copy, in copy order
        if self.m_copy:
            dates_raw = [d for chunk in self.m_dates for d in chunk]
            text = pd.Series([t for chunk in self.m_text for t in chunk], dtype="str")
            seq = np.concatenate([np.arange(len(c), dtype=np.int64) for c in self.m_copy])
            copy = np.concatenate(self.m_copy)
        else:
            dates_raw, text = [], pd.Series([], dtype="str")
            seq = copy = np.empty(0, dtype=np.int64)
        job_of_copy = jobs["job_id"].to_numpy(dtype=np.int64, na_value=-1)
        dates = self._dates(dates_raw, job_of_copy[copy], seq, "activityDate",
                            sources=np.asarray(self.sources, dtype=object)[copy] if n else None,
                            required=True)
        return _assemble(jobs, seq, dates, text, self._problem_frame())

    def _problem_frame(self) -> pd.DataFrame:
        problems = _empty_problems()
        if self.problems:
            problems = pd.DataFrame(self.problems, columns=list(problems.columns))
            problems = problems.astype({"source": "str", "field": "str", "reason": "str",
                                        "action": "str"})
            problems["job_id"] = pd.array(problems["job_id"].tolist(), dtype=S.ID_DTYPE)
        return problems

    def _dates(self, values: list, job_ids, seq, name: str, sources=None,
               required: bool = False) -> pd.Series:
        """Parse timestamps to UTC; report the unparseable ones (naming job and field).

        A missing value is NaT; it is a problem only where the value is ``required``.
        """
        arr = np.fromiter(values, dtype=object, count=len(values))
        # strings, but not the words pandas reads as the current time
        is_str = np.fromiter((isinstance(v, str) and v.strip().lower() not in ("now", "today")
                              for v in arr), dtype=bool, count=len(arr))
        text = np.where(is_str, arr, None)
        out = pd.to_datetime(pd.Series(text, dtype=object), format=_PSM_FORMAT, utc=True,
                             errors="coerce")
        retry = out.isna().to_numpy() & is_str
        if retry.any():
            datelike = pd.Series(text[retry], dtype=object).str.match(r"\s*[0-9]{4}-[0-9]{2}")
            retry[np.flatnonzero(retry)[~datelike.to_numpy(dtype=bool)]] = False
        if retry.any():
            again = pd.to_datetime(pd.Series(text[retry], dtype=object), format="ISO8601",
                                   utc=True, errors="coerce")
            out = out.astype(S.TIMESTAMP_DTYPE)
            out.iloc[np.flatnonzero(retry)] = again.astype(S.TIMESTAMP_DTYPE).to_numpy()
        out = out.astype(S.TIMESTAMP_DTYPE)
        checked = np.ones(len(arr), dtype=bool) if required else np.fromiter(
            (v is not None for v in arr), dtype=bool, count=len(arr))
        bad = np.flatnonzero(out.isna().to_numpy() & checked)
        for i in bad:
            job_id = int(job_ids[i]) if job_ids[i] is not None else None
            src = sources[i] if sources is not None else self.sources[i]
            fld = f"messages[{seq[i]}].activityDate" if seq is not None else _api_key(name)
            reason = ("missing timestamp" if arr[i] is None else
                      f"unparseable timestamp {arr[i]!r}")
            self.problem(src, job_id, fld, f"{reason}; expected e.g. 2016-07-25T22:51:16.143+0000",
                         skipped=False)
        return out.reset_index(drop=True)


def _assemble(jobs: pd.DataFrame, seq: np.ndarray, dates: pd.Series, text: pd.Series,
              problems: pd.DataFrame) -> JobLog:
    """Keep the most advanced copy of each job; sort jobs by id and messages by time.

    ``jobs`` holds one row per copy read, in reading order, with ``message_count``; the
    messages of all copies follow the same order, each copy's messages contiguous, with
    their original positions ``seq``.
    """
    n = len(jobs)
    counts = jobs["message_count"].to_numpy(dtype=np.int64)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    ids = jobs["job_id"].to_numpy(dtype=np.int64, na_value=-1)

    winners = _winners(jobs)
    order = winners[np.argsort(ids[winners], kind="stable")]      # winning copies by job id
    if len(order) == n and np.array_equal(order, np.arange(n)):
        take = None                     # every copy wins, in id order: messages stay put
        total = int(counts.sum())
        msg_ids = np.repeat(ids, counts)
        key = _sort_key(dates)
    else:
        lengths = counts[order]
        total = int(lengths.sum())
        before = np.zeros(len(order), dtype=np.int64)
        np.cumsum(lengths[:-1], out=before[1:])
        take = np.repeat(starts[order] - before, lengths)
        take += np.arange(total, dtype=np.int64)
        msg_ids = np.repeat(ids[order], lengths)
        key = _sort_key(dates)[take]
    if total > 1:
        same_job = msg_ids[1:] == msg_ids[:-1]
        if np.any((key[1:] < key[:-1]) & same_job):
            # stable: ties (and NaT, sorted last) keep their original order
            within = np.lexsort((key, msg_ids))
            take = within if take is None else take[within]
    identity = take is None or (total == len(seq) and np.array_equal(take, np.arange(total)))
    messages = pd.DataFrame(
        {
            "job_id": pd.arrays.IntegerArray(msg_ids, np.zeros(total, dtype=bool)),
            "seq": seq if identity else seq[take],
            "activity_date": (dates if identity else dates.take(take)).reset_index(drop=True),
            "message": (text if identity else text.take(take)).reset_index(drop=True),
        },
        copy=False,
    )
    jobs = jobs.take(order).reset_index(drop=True)
    return JobLog(jobs, messages, problems)


_API_KEY_OF = {col: key for key, col in S.JOB_KEYS.items()}


def _api_key(col: str) -> str:
    return _API_KEY_OF.get(col, col)


def _winners(jobs: pd.DataFrame) -> np.ndarray:
    """Row positions of the most advanced copy of each job_id.

    Ranked by status (a final status beats RUNNING beats NEW), then having an end date,
    then more messages; on a tie the copy read last wins.
    """
    if jobs.empty:
        return np.empty(0, dtype=np.int64)
    codes, uniques = pd.factorize(jobs["status"], use_na_sentinel=False)   # a few words
    rank = np.array([S.STATUS_RANK.get(u, 1) for u in uniques], dtype=np.int64)[codes]
    has_end = jobs["end_date"].notna().to_numpy(dtype=np.int64)
    count = jobs["message_count"].to_numpy(dtype=np.int64)
    ids = jobs["job_id"].to_numpy(dtype=np.int64)
    pos = np.arange(len(jobs))
    order = np.lexsort((pos, count, has_end, rank, ids))
    sorted_ids = ids[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = sorted_ids[1:] != sorted_ids[:-1]
    return np.sort(order[last])


def _sort_key(dates: pd.Series) -> np.ndarray:
    """int64 sort key for timestamps, NaT last."""
    if dates.dtype == S.TIMESTAMP_DTYPE:
        values = dates.array.asi8.copy()
        values[values == np.iinfo(np.int64).min] = np.iinfo(np.int64).max     # NaT
        return values
    values = dates.to_numpy(dtype="datetime64[us]").view(np.int64).copy()
    values[dates.isna().to_numpy()] = np.iinfo(np.int64).max
    return values


def _extra_column(values: dict[int, Any], n: int) -> pd.Series:
    col = [None] * n
    for i, v in values.items():
        col[i] = v
    series = pd.Series(col, dtype=object)
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "string":
        return series.astype("str")
    if inferred == "integer":
        try:
            return pd.Series(pd.array(col, dtype=S.ID_DTYPE))
        except (OverflowError, TypeError, ValueError):
            return series                            # beyond int64: kept exact, as objects
    if inferred == "boolean":
        return series.astype("boolean")
    if inferred in ("floating", "mixed-integer-float"):
        return pd.to_numeric(series).astype(np.float64)
    return series


def _as_id(value: Any) -> tuple[int | None, str]:
    """An exact non-negative integer id from an int or a numeric string."""
    if isinstance(value, bool):
        return None, f"not a job id: {value!r}"
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        n = int(value.strip())
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        n = int(value)
    else:
        return None, f"not an integer id: {value!r}"
    if n < 0 or n > _MAX_INT64:
        return None, f"id out of range: {value!r}"
    return n, ""


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), (dict, list))
    except orjson.JSONDecodeError:
        return False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
