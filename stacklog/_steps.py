"""Step names: one normalised text per kind of job message, so that a step of many jobs groups.

:func:`step_name` is the reference, one message at a time with :mod:`re`; :func:`step_names`
computes the same for whole columns, on the UTF-8 bytes of an Arrow string array with numpy.
Both follow the rules below, applied in this order (each to the text the previous one left):

1. **Service name.** The job's own service name (a ``str`` of at least 2 characters) becomes
   ``<name>`` wherever it occurs and is neither preceded nor followed by an ASCII letter or
   digit: ``MyStack-App`` -> ``<name>-App``, ``[MyStack]`` -> ``[<name>]``, but ``MyStackOld``
   is left alone. Occurrences are found left to right and do not overlap.
2. **Keys, addresses, ids** (``\\b`` below: no ASCII letter, digit or ``_`` on that side):

   * an SSH public key, ``ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistpN``, whitespace, a key
     body ``AAAA`` + uppercase letter + digit + base64, and an optional ``user@host``
     comment, becomes ``<key>``;
   * ``\\bscheme://...`` up to whitespace or a bracket becomes ``<url>``;
   * ``\\bocid1.<letters, digits, _ . ->`` becomes ``<ocid>``;
   * an e-mail address (``local@domain.tld``, ASCII letters, digits and ``_ . + -``)
     becomes ``<email>``;
   * a UUID (8-4-4-4-12 hex digits, at least one of them a decimal digit) becomes ``<id>``;
   * a word of 12 or more hex digits with at least one decimal digit and one letter a-f
     becomes ``<id>``.
3. **Brackets.** ``[`` + anything but brackets + ``]`` becomes ``[*]`` (brackets do not nest:
   ``[a[b]c]`` -> ``[a[*]c]``).
4. **Numbers.** A maximal run of ASCII digits, together with further runs joined to it by
   single ``.`` or ``:`` (``10.0.0.1``, ``12.2.1.3``, ``12:30:05``), becomes ``N``. An error
   code ``\\b[A-Z][A-Z0-9]*-[A-Z][A-Z0-9]*-<digits>\\b`` (``SM-BKP-5127``, ``PSM-CRT-1042``)
   is kept whole, digits and all; runs joined after it by ``.``/``:`` are a number again.
5. **Whitespace.** Each run of ASCII whitespace (space, ``\\t \\n \\r \\f \\v``) becomes one
   space; a space at the start and any run of spaces and dots at the end are removed.

Only ASCII characters take part: other text, including non-ASCII letters, digits and spaces,
passes through unchanged. A message that is not a ``str`` (``None``, ``NaN``) is not a step:
:func:`step_name` returns it as it is, :func:`step_names` gives NA.
"""

from __future__ import annotations

import copy
import re
import threading
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _util

__all__ = ["step_name", "step_names"]

# --------------------------------------------------------------------------- the reference

_NOT_WORD_BEFORE = r"(?<![A-Za-z0-9_])"
_NOT_WORD_AFTER = r"(?![A-Za-z0-9_])"
_SSH_KEY = re.compile(
    _NOT_WORD_BEFORE
    + r"(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp[0-9]+)[ \t\n\r\f\v]+"
    r"AAAA[A-Z][0-9][A-Za-z0-9+/]*=*"
    r"(?:[ \t\n\r\f\v]+[^ \t\n\r\f\v\[\]@]+@[^ \t\n\r\f\v\[\]]+)?"
)
_URL = re.compile(_NOT_WORD_BEFORE + r"[A-Za-z][A-Za-z0-9+.\-]*://[^ \t\n\r\f\v\[\]]+")
_OCID = re.compile(_NOT_WORD_BEFORE + r"ocid1\.[A-Za-z0-9_.\-]+")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_.+\-])[A-Za-z0-9_.+\-]+@[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+"
    + _NOT_WORD_AFTER
)
_UUID = re.compile(
    _NOT_WORD_BEFORE
    + r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    + _NOT_WORD_AFTER
)
_HEX = re.compile(
    _NOT_WORD_BEFORE
    + r"(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{12,}"
    + _NOT_WORD_AFTER
)
_BRACKET = re.compile(r"\[[^\[\]]*\]")
_NUMBER = re.compile(
    _NOT_WORD_BEFORE + r"[A-Z][A-Z0-9]*-[A-Z][A-Z0-9]*-[0-9]+" + _NOT_WORD_AFTER
    + r"|[0-9]+(?:[.:][0-9]+)*"
)
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_LEADING = re.compile(r"\A ")
_TRAILING = re.compile(r"[ .]+\Z")
_ASCII_DIGIT = re.compile(r"[0-9]")


@lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])")


def _uuid(match: re.Match) -> str:
    return "<id>" if _ASCII_DIGIT.search(match.group()) else match.group()


def _number(match: re.Match) -> str:
    text = match.group()
    return text if text[0].isalpha() else "N"


def step_name(message: object, service_name: object = None) -> object:
    """Normalise one message to a step name (see the module documentation for the rules).

    >>> step_name("Initializing stack MyStack", "MyStack")
    'Initializing stack <name>'
    >>> step_name("Stopped Virtual Machine wls/vm-2...")
    'Stopped Virtual Machine wls/vm-N'
    >>> step_name("SM-BKP-5127: Backup failed on [db1]")
    'SM-BKP-5127: Backup failed on [*]'
    """
    if not isinstance(message, str):
        return message
    text = message
    if isinstance(service_name, str) and len(service_name) >= 2 and service_name in text:
        text = _name_pattern(service_name).sub("<name>", text)
    # each pattern needs what is tested for here: the tests only save time
    if "AAAA" in text:
        text = _SSH_KEY.sub("<key>", text)
    if "://" in text:
        text = _URL.sub("<url>", text)
    if "ocid1." in text:
        text = _OCID.sub("<ocid>", text)
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    if "-" in text:
        text = _UUID.sub(_uuid, text)
    text = _HEX.sub("<id>", text)
    if "[" in text:
        text = _BRACKET.sub("[*]", text)
    text = _NUMBER.sub(_number, text)
    text = _SPACES.sub(" ", text)
    text = _LEADING.sub("", text)
    return _TRAILING.sub("", text)


# --------------------------------------------------------------------------- the fast path
#
# The messages' UTF-8 bytes are worked on in groups of whole rows (_GROUP bytes or so), copied
# into a scratch buffer W and rewritten in place, rule by rule, without moving any byte: a
# replaced part keeps its first byte(s) for the replacement text and its other bytes become
# _FILL, which the output leaves out. The two replacements that can be longer than what they
# replace (a service name shorter than 6 bytes, the "[]" of "[*]") leave a marker that is
# expanded when the output is put together. Bytes 0xF8-0xFF never occur in UTF-8, so they are
# free for these purposes. Passes over every byte go chunk by chunk (_CHUNK bytes, so that the
# chunk stays in the cache): brackets on bitmaps, then one pass that finds where numbers,
# service names, whitespace runs and a few rare characters may start; the work on those
# places is done once per group.
#
# Rows holding what the byte code does not do (keys, URLs, e-mail addresses, ocids, long hex
# ids and UUIDs, unusual service names, brackets that do not pair up within the row) are
# found, generously, and computed with step_name; that is exact, and they are rare.

_CHUNK = 1 << 20    # bytes looked at together
_GROUP = 1 << 22    # bytes whose matches are worked on together
_PAD = 64
_FILL = 0xFF        # dropped from the output
_NAME_MARK = 0xFE   # "<name>" of a service name shorter than 6 bytes
_STAR_MARK = 0xFD   # "*]": the "]" of "[]"
_NONE = 0xF8        # never equal to a byte of a message
_LONGEST_NAME = 256  # longer service names are left to step_name


def _table(*parts: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    for part in parts:
        table[np.frombuffer(part, dtype=np.uint8)] = True
    return table


_DIGITS = b"0123456789"
_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = b"abcdefghijklmnopqrstuvwxyz"
_SPACE = b" \t\n\r\f\v"
_IS_ALNUM = _table(_DIGITS, _UPPER, _LOWER)
_IS_WORD = _table(_DIGITS, _UPPER, _LOWER, b"_")
_IS_DIGIT = _table(_DIGITS)
_IS_UPPER = _table(_UPPER)
_IS_UPDIG = _table(_UPPER, _DIGITS)
_IS_SPACE = _table(_SPACE)
_IS_HEXISH = _table(_DIGITS, b"abcdefABCDEF-")
_IS_GROUP_SEP = _table(b".:")
_IS_TRAILING = _table(_SPACE, b".")
_NAME = np.frombuffer(b"<name>", dtype=np.uint8)
_LOW_BITS = np.array([(1 << k) - 1 for k in range(64)], dtype=np.uint64)
_OCID4 = np.uint64(int.from_bytes(b"ocid", "little"))
_AAAA = np.uint64(int.from_bytes(b"AAAA", "little"))
_U8 = np.uint64(8)
_U64 = np.uint64(64)


def step_names(messages: pd.Series, names: pd.Series) -> pd.Series:
    """:func:`step_name` of each message with the service name of its row, for whole columns.

    Parameters
    ----------
    messages, names : pandas.Series
        Of equal length, strings (dtype ``"str"``, ``"string"`` or ``object``). A message
        that is not a string gives NA; a name that is not a string is no name.

    Returns
    -------
    pandas.Series
        dtype ``"str"``, with the index of ``messages``.
    """
    if len(messages) != len(names):
        raise ValueError("messages and names must have the same length")
    msgs = _arrow_strings(messages)
    if isinstance(names.dtype, pd.CategoricalDtype):
        # the codes say which rows share a name: no need to compare the strings
        categories = _arrow_strings(pd.Series(names.cat.categories, dtype=object))
        svc = (None if categories is None else
               (np.asarray(names.cat.codes, dtype=np.int64), categories.combine_chunks()))
    else:
        svc = _arrow_strings(names)
    if msgs is None or svc is None:        # not encodable as UTF-8 (lone surrogates)
        return _step_names_slow(messages, names)
    return pd.Series(_Batch(msgs, svc).run(), index=messages.index, dtype="str")


def _arrow_strings(values: pd.Series) -> pa.ChunkedArray | None:
    """The values as large_string chunks (as they are stored, not copied into one), null
    where a value is not a string; None if they cannot be stored as UTF-8."""
    try:
        dtype = values.dtype
        if (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
                isinstance(dtype, pd.ArrowDtype) and (pa.types.is_string(dtype.pyarrow_dtype)
                                                      or pa.types.is_large_string(
                                                          dtype.pyarrow_dtype))):
            arr = pa.array(values)
        else:
            obj = values.to_numpy(dtype=object)
            is_str = np.fromiter((isinstance(v, str) for v in obj), dtype=bool,
                                 count=len(obj))
            if not is_str.all():
                obj = np.where(is_str, obj, None)
            arr = pa.array(obj, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return None
    if not isinstance(arr, pa.ChunkedArray):
        arr = pa.chunked_array([arr])
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The large_string chunks of a text column pandas keeps in Arrow; None for any other
    column (converting one would cost more than the work it is for)."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    return _arrow_strings(values)


def _step_names_slow(messages: pd.Series, names: pd.Series) -> pd.Series:
    cache: dict = {}
    out = []
    for message, name in zip(messages.tolist(), names.tolist()):
        if not isinstance(message, str):
            out.append(None)
            continue
        key = (message, name if isinstance(name, str) else None)
        if key not in cache:
            cache[key] = step_name(*key)
        out.append(cache[key])
    try:
        return pd.Series(out, index=messages.index, dtype="str")
    except UnicodeError:                    # "str" cannot hold them either
        return pd.Series(out, index=messages.index, dtype=object)


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, int64 offsets from 0) of a large_string array."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + n + 1]
    base = int(offsets[0]) if n else 0
    total = int(offsets[-1]) - base if n else 0
    data = arr.buffers()[2]
    buf = (np.frombuffer(data, dtype=np.uint8)[base:base + total] if total
           else np.zeros(0, dtype=np.uint8))
    return buf, offsets - base


def _overlapping(data: bytes) -> bool:
    """Whether two occurrences of a name can overlap: the second would start after a byte of
    the first that is not an ASCII letter or digit."""
    return any(not _IS_ALNUM[data[d - 1]] and data.startswith(data[d:])
               for d in range(1, len(data)))


def _cuts(off: np.ndarray, size: int) -> np.ndarray:
    """Row numbers that cut the rows into runs of about ``size`` bytes (0 and n included)."""
    n = len(off) - 1
    cuts = np.searchsorted(off, np.arange(size, int(off[-1]), size), side="left")
    return np.unique(np.concatenate([[0], cuts, [n]]))


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The integers of the ranges [starts, ends), concatenated."""
    lens = ends - starts
    total = int(lens.sum())
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
    return np.arange(total, dtype=np.int64) + shift


class _Names:
    """Service names as runs of consecutive rows with the same name (``run_start``,
    ``run_name``), and per distinct name: ``length`` in bytes (0: nothing to look for), its
    first two bytes, its bytes as little-endian uint64 words with masks, and ``weird``: rows
    with this name are left to step_name (a name that starts or ends with something else
    than an ASCII letter or digit, holds a bracket, could overlap itself, or is very long).
    The last distinct name stands for "no name"."""

    def __init__(self, svc: pa.ChunkedArray | tuple[np.ndarray, pa.LargeStringArray]):
        self.svc = svc
        if isinstance(svc, tuple):                          # categorical: codes, categories
            codes, dictionary = svc
            n, m = len(codes), len(dictionary)
            starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
            run_codes = codes.take(starts) if n else codes
            self.run_name = np.where(run_codes < 0, m, run_codes)
        else:
            n = len(svc)
            if n > 1:
                a, b = svc.slice(1), svc.slice(0, n - 1)
                same = pc.fill_null(pc.equal(a, b), False)
                if svc.null_count:
                    same = pc.or_(same, pc.and_(a.is_null(), b.is_null()))
                starts = np.flatnonzero(np.concatenate([[True], ~np.asarray(same)]))
            else:
                starts = np.zeros(n, dtype=np.int64)
            firsts = svc.take(pa.array(starts, type=pa.int64()))       # one per run: small
            if isinstance(firsts, pa.ChunkedArray):
                firsts = firsts.combine_chunks()
            enc = pc.dictionary_encode(firsts)
            dictionary = enc.dictionary.cast(pa.large_string())
            m = len(dictionary)
            self.run_name = np.asarray(enc.indices.fill_null(m)).astype(np.int64)  # null: m
        self.run_start = np.append(starts, n).astype(np.int64)
        data, offsets = _buffers(dictionary)
        first_at = offsets[:-1]
        nbytes = np.diff(offsets)
        length = nbytes.copy()
        if m:
            chars = pc.fill_null(pc.utf8_length(dictionary), 0)
            length[np.asarray(chars) < 2] = 0
        has = length > 0
        first = np.full(m, _NONE, dtype=np.uint8)
        last = np.full(m, _NONE, dtype=np.uint8)
        first[has] = data[first_at[has]]
        last[has] = data[first_at[has] + length[has] - 1]
        weird = has & ~(_IS_ALNUM[first] & _IS_ALNUM[last])
        weird |= length > _LONGEST_NAME
        if m and has.any():
            weird |= has & np.asarray(pc.fill_null(
                pc.match_substring_regex(dictionary, r"[\[\]]"), False))
            # a name can only overlap itself where its first byte follows a byte that is not
            # an ASCII letter or digit, inside the name
            at = np.flatnonzero(~_IS_ALNUM.take(data[:-1]) & (data[1:] == np.repeat(
                first, nbytes)[1:]))
            if len(at):
                k = np.searchsorted(first_at, at + 1, side="right") - 1
                odd = np.unique(k[(at >= first_at.take(k)) & has.take(k) & ~weird.take(k)])
                for k in odd.tolist():
                    a = int(first_at[k])
                    weird[k] = _overlapping(data[a:a + int(length[k])].tobytes())
        length[weird] = 0
        width = max(16, (int(length.max(initial=0)) + 15) // 8 * 8)
        table = np.zeros((m + 1, width), dtype=np.uint8)
        rows = np.flatnonzero(length)
        if len(rows):
            flat = _ranges(first_at[rows], first_at[rows] + length[rows])
            cols = flat - np.repeat(first_at[rows], length[rows])
            table[np.repeat(rows, length[rows]), cols] = data[flat]
        self.length = np.append(length, 0)
        self.weird = np.append(weird, False)
        look = self.length > 0
        self.first = np.where(look, table[:, 0], _NONE).astype(np.uint8)
        self.second = np.where(look, table[:, 1], _NONE).astype(np.uint8)
        words = table.view("<u8")               # (m + 1, width // 8), a zero word at the end
        self.width = words.shape[1]
        self.flat_words = words.ravel()
        full = np.arange(width)[None, :] < self.length[:, None]
        self.flat_masks = np.where(full, 0xFF, 0).astype(np.uint8).view("<u8").ravel()

    def of_rows(self, rows: np.ndarray) -> list:
        """The names (str or None) of some rows."""
        if isinstance(self.svc, tuple):
            codes, dictionary = self.svc
            values = dictionary.to_pylist()
            return [values[c] if c >= 0 else None for c in codes.take(rows).tolist()]
        return self.svc.take(pa.array(rows, type=pa.int64())).to_pylist()

    def weird_rows(self) -> np.ndarray:
        runs = np.flatnonzero(self.weird[self.run_name])
        return _ranges(self.run_start[runs], self.run_start[runs + 1])


class _Batch:
    """One call of step_names: the messages' bytes, the service names, the rows left to
    step_name, and the scratch buffers."""

    def __init__(self, msgs: pa.ChunkedArray, svc):
        self.msgs = msgs
        self.n = n = len(msgs)
        # the bytes of the chunks, one after the other: offsets into that sequence
        self.bufs: list[np.ndarray] = []
        parts = [np.zeros(1, dtype=np.int64)]
        total = 0
        for chunk in msgs.chunks:
            if not len(chunk):
                continue
            buf, off = _buffers(chunk)
            self.bufs.append(buf)
            parts.append(off[1:] + total)
            total += len(buf)
        self.off = np.concatenate(parts)
        self.starts = np.cumsum([0] + [len(b) for b in self.bufs])   # of each buffer
        self.valid = (np.ones(n, dtype=bool) if msgs.null_count == 0
                      else np.asarray(msgs.is_valid()))
        self.names = _Names(svc)
        self.slow_rows = np.zeros(n, dtype=bool)   # rows computed with step_name
        self.slow_rows[self.names.weird_rows()] = True
        self.slow_rows &= self.valid
        self.cache: dict = {}

    def run(self) -> pa.ChunkedArray:
        n = self.n
        if n == 0:
            return pa.chunked_array([], type=pa.large_string())
        off = self.off
        groups = _cuts(off, _GROUP)
        chunks = _cuts(off, _CHUNK)
        big = int(np.max(off[groups[1:]] - off[groups[:-1]]))
        small = int(np.max(off[chunks[1:]] - off[chunks[:-1]]))
        work = [(r0, r1, np.concatenate([[r0], chunks[(chunks > r0) & (chunks < r1)], [r1]]))
                for r0, r1 in zip(groups[:-1].tolist(), groups[1:].tolist())]
        count = min(len(work), _util.threads())
        if count <= 1:
            worker = self._worker(big, small)
            parts = [worker._group(*args) for args in work]
        else:
            # groups are independent and numpy releases the GIL on their large arrays:
            # one worker (with its own scratch buffers) per thread
            from concurrent.futures import ThreadPoolExecutor

            local = threading.local()

            def group(args):
                worker = getattr(local, "worker", None)
                if worker is None:
                    worker = local.worker = self._worker(big, small)
                return worker._group(*args)

            with ThreadPoolExecutor(count) as pool:
                parts = list(pool.map(group, work))
        return pa.chunked_array(parts, type=pa.large_string())

    def _worker(self, big: int, small: int) -> _Batch:
        """A shallow copy with its own scratch buffers, for groups of at most ``big`` bytes
        and chunks of at most ``small``."""
        worker = copy.copy(self)
        size = (big + 2 * _PAD) // 8 * 8 + 8
        worker.W = np.empty(size, dtype=np.uint8)
        worker.RS = np.zeros(size, dtype=np.uint8)
        worker.K = np.empty(size, dtype=bool)
        worker.Wq = worker.W.view(np.uint64)          # aligned words
        size = (small + 2 * _PAD) // 8 * 8 + 8
        worker.T8 = np.empty(size, dtype=np.uint8)
        worker.M1 = np.empty(size, dtype=bool)
        worker.M2 = np.empty(size, dtype=bool)
        worker.M3 = np.empty(size, dtype=bool)
        return worker

    def _copy(self, W: np.ndarray, A: int, S: int) -> None:
        """W[:S] = bytes A..A+S of the messages, from one or more Arrow buffers."""
        if len(self.bufs) == 1:
            W[:S] = self.bufs[0][A:A + S]
            return
        starts = self.starts
        i = int(np.searchsorted(starts, A, side="right")) - 1
        done = 0
        while done < S:
            buf = self.bufs[i]
            a = A + done - int(starts[i])
            take = min(S - done, len(buf) - a)
            W[done:done + take] = buf[a:a + take]
            done += take
            i += 1

    def _word(self, words: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The 8 bytes at byte positions q (little-endian) from aligned words."""
        w = q >> 3
        sh = (q & 7).astype(np.uint64) * _U8
        return (words.take(w) >> sh) | (words.take(w + 1) << (_U64 - sh))

    # ------------------------------------------------------------------ one group of rows
    def _group(self, r0: int, r1: int, chunks: np.ndarray) -> pa.LargeStringArray:
        """Rows r0..r1: byte work chunk by chunk (cache-sized), row and match work at once."""
        A = int(self.off[r0])
        S = int(self.off[r1]) - A
        o = self.off[r0:r1 + 1] - A
        W, RS = self.W, self.RS
        self._copy(W, A, S)
        W[S:S + _PAD] = _NONE
        RS[:S + _PAD] = 0
        RS[o] = 1                           # each row's start, and S
        slow: list[np.ndarray] = []         # positions whose rows go to step_name
        marks: list[tuple[np.ndarray, int]] = []
        found: list[tuple] = []
        for c0, c1 in zip(chunks[:-1].tolist(), chunks[1:].tolist()):
            a = int(o[c0 - r0])
            b = int(o[c1 - r0])
            if b == a:
                continue
            oc = o[c0 - r0:c1 - r0 + 1] - a
            here_marks: list = []
            here_slow: list = []
            self._brackets(W[a:], RS[a:], b - a, oc, here_marks, here_slow)
            marks.extend((x + a, kind) for x, kind in here_marks)
            slow.extend(x + a for x in here_slow)
            ev, is_name = self._scan(W[a:], RS[a:], b - a, oc, c0, c1, A + a)
            found.append((ev + a, is_name))
        if found:
            ev = np.concatenate([f[0] for f in found])
            names = [f[1] for f in found]
            is_name = (None if all(x is None for x in names) else np.concatenate(
                [np.zeros(len(f[0]), dtype=bool) if f[1] is None else f[1] for f in found]))
            self._words(W, RS, S, o, r0, r1, ev, is_name, marks, slow)
        return self._assemble(W, S, o, r0, r1, marks, slow)

    def _brackets(self, W, RS, S, o, marks, slow) -> None:
        """"[" + anything but brackets + "]" -> "[*]", on bitmaps of the chunk.

        With bit i of ``op`` / ``cl`` set where byte i is "[" / "]", the big-integer difference
        ``cl - op`` has exactly the bits from each "[" up to (not including) the "]" that
        follows it set, as long as the brackets of a row alternate "[", "]", "[", "]" ...; where
        they do not, a "[" bit comes out clear, a "]" bit set, or a row start falls inside:
        those rows go to step_name (brackets do not nest in the rule, so this is rare)."""
        M1, M2, T8 = self.M1, self.M2, self.T8
        n64 = (S + 64) // 64                                # bitmaps cover bytes 0..S
        nb = n64 * 64
        np.equal(W[:nb], 0x5B, out=M1[:nb])
        np.equal(W[:nb], 0x5D, out=M2[:nb])
        M1[S:nb] = False                                    # the bytes after are not ours
        M2[S:nb] = False
        op = np.packbits(M1[:nb], bitorder="little").view("<u8")
        cl = np.packbits(M2[:nb], bitorder="little").view("<u8")
        if not op.any():
            return
        # borrows of the subtraction cl - op, word by word
        idx = np.arange(n64)
        last = np.where(cl == op, -1, idx)
        np.maximum.accumulate(last, out=last)
        borrow = np.zeros(n64, dtype=np.uint64)
        has = last[:-1] >= 0
        borrow[1:][has] = (cl.take(last[:-1][has]) < op.take(last[:-1][has]))
        inside = cl - op - borrow
        rows = np.packbits(RS[:nb].view(bool), bitorder="little").view("<u8")
        ends = rows >> np.uint64(1)                         # the last byte of each row
        ends[:-1] |= rows[1:] << np.uint64(63)
        bad = (op & ~inside) | (cl & inside) | ((rows & ~op) | ends) & inside
        if bad.any():
            # the rows of the bad bits go to step_name; their brackets stay as they are
            w = np.flatnonzero(bad)
            bits = np.unpackbits(bad.take(w).view(np.uint8), bitorder="little").reshape(-1, 64)
            r, c = np.nonzero(bits)
            pos = np.minimum(w.take(r) * 64 + c, S - 1)
            slow.append(pos)
            row = np.searchsorted(o, pos, side="right") - 1
            lo, hi = o.take(row), o.take(row + 1)
            keep = _ranges(lo, hi)          # clear those rows from the bitmaps
            clear = np.zeros(nb, dtype=bool)
            clear[keep] = True
            cw = np.packbits(clear, bitorder="little").view("<u8")
            inside &= ~cw
            op &= ~cw
        content = inside & ~op
        # "[]": the "]" becomes a marker for "*]"
        shifted = op << np.uint64(1)
        shifted[1:] |= op[:-1] >> np.uint64(63)
        empty = shifted & cl
        if bad.any():
            empty &= ~cw
        if empty.any():
            w = np.flatnonzero(empty)
            bits = np.unpackbits(empty.take(w).view(np.uint8), bitorder="little").reshape(-1, 64)
            r, c = np.nonzero(bits)
            pos = w.take(r) * 64 + c
            W[pos] = _STAR_MARK
            marks.append((pos, _STAR_MARK))
        # W: the content -> _FILL, its first byte -> "*"
        u = np.unpackbits(content.view(np.uint8), count=S, bitorder="little")
        np.bitwise_and(M1[:S - 1].view(np.uint8), u[1:S], out=T8[1:S])   # after a "["
        T8[0] = 0
        np.negative(u, out=u)
        np.bitwise_or(W[:S], u, out=W[:S])
        np.multiply(T8[:S], _FILL - 0x2A, out=T8[:S])
        np.subtract(W[:S], T8[:S], out=W[:S])

    def _scan(self, W, RS, S, o, r0, r1, A):
        """Where numbers, runs of whitespace, "@" or ":" and the row's service name may be
        (outside brackets, which are filled by now): positions, and which of them may be a
        service name."""
        T8, M1, M2, M3 = self.T8, self.M1, self.M2, self.M3
        names = self.names
        run_start = names.run_start
        k0 = int(np.searchsorted(run_start, r0, side="right")) - 1
        k1 = int(np.searchsorted(run_start, r1, side="left"))
        which = names.run_name[k0:k1]
        first = names.first.take(which)
        look = S > 1 and not (first == _NONE).all()
        # a digit after a non-digit or at a row start ...
        np.subtract(W[:S], 0x30, out=T8[:S])
        np.less(T8[:S], 10, out=M1[:S])
        M3[0] = False
        np.greater(M1[:S - 1], RS[1:S].view(bool), out=M3[1:S])
        np.greater(M1[:S], M3[:S], out=M2[:S])
        # ... one of ":;<=>?@" ...
        np.less(T8[:S], 17, out=M3[:S])
        np.greater(M3[:S], M1[:S], out=M3[:S])
        np.logical_or(M2[:S], M3[:S], out=M2[:S])
        # ... whitespace after whitespace or a control, a control (both are rare) ...
        np.less(W[:S], 33, out=M1[:S])
        M3[0] = False
        np.logical_and(M1[1:S], M1[:S - 1], out=M3[1:S])
        if M3[:S].any():
            np.logical_or(M2[:S], M3[:S], out=M2[:S])
        np.less(W[:S], 32, out=M1[:S])
        if M1[:S].any():
            np.logical_or(M2[:S], M1[:S], out=M2[:S])
        # ... the first two bytes of the row's service name (M3)
        if look:
            rows = run_start[k0:k1].copy()
            rows[0] = r0
            seg_start = self.off[rows] - A
            seg_len = np.diff(np.append(seg_start, S))
            np.equal(W[:S], np.repeat(first, seg_len), out=M1[:S])
            np.equal(W[1:S + 1], np.repeat(names.second.take(which), seg_len), out=M3[:S])
            np.logical_and(M3[:S], M1[:S], out=M3[:S])
            np.logical_or(M2[:S], M3[:S], out=M2[:S])
        ev = np.flatnonzero(M2[:S])
        return ev, (M3.take(ev) if look else None)

    def _words(self, W, RS, S, o, r0, r1, ev, is_name, marks, slow) -> None:
        """Service names, numbers, "@" and "://", leading and trailing spaces and dots, runs
        of whitespace."""
        if is_name is not None and is_name.any():
            names = self.names
            run_start = names.run_start
            k0 = int(np.searchsorted(run_start, r0, side="right")) - 1
            k1 = int(np.searchsorted(run_start, r1, side="left"))
            rows = run_start[k0:k1].copy()
            rows[0] = r0
            row_name = np.repeat(names.run_name[k0:k1], np.diff(np.append(rows, r1)))
            self._service_names(W, S, o, ev[is_name], row_name, marks)
            # a digit where a name was found is not a number; one that was only looked at
            # as a name may not start a number
            b = W.take(ev)
            digit = _IS_DIGIT.take(b)
            maybe = digit & is_name
            if maybe.any():
                x = ev[maybe]
                digit[maybe] = (RS.take(x) != 0) | ~_IS_DIGIT.take(W.take(x - 1))
        else:
            b = W.take(ev)
            digit = _IS_DIGIT.take(b)
        runs = ev[digit]
        # a row that starts with a digit after a row that ends with one
        glued = runs[(RS.take(runs) != 0) & _IS_DIGIT.take(W.take(runs - 1))]
        other = ~digit
        spaces = None
        if other.any():
            ev, b = ev[other], b[other]
            rare = (b == 0x40) | ((b == 0x3A) & (W.take(ev + 1) == 0x2F)
                                  & (W.take(ev + 2) == 0x2F))
            if rare.any():
                slow.append(ev[rare])
            spaces = ev[_IS_SPACE.take(b)]
        if len(runs):
            self._numbers(W, RS, S, runs, glued, slow)
        self._strip(W, o)
        if spaces is not None and len(spaces):
            spaces = spaces[_IS_SPACE.take(W.take(spaces))]     # not stripped
            if len(spaces):
                self._spaces(W, RS, S, spaces)

    def _service_names(self, W, S, o, p, row_name, marks) -> None:
        """The row's service name -> "<name>" (p: where its first two bytes are)."""
        names = self.names
        row = np.searchsorted(o, p, side="right") - 1
        k = row_name.take(row)
        L = names.length.take(k)
        start, stop = o.take(row), o.take(row + 1)
        end = p + L
        ok = (end <= stop) & ((p == start) | ~_IS_ALNUM.take(W.take(p - 1)))
        ok &= (end == stop) | ~_IS_ALNUM.take(W.take(np.minimum(end, S)))
        p, k, L, end = p[ok], k[ok], L[ok], end[ok]
        # the bytes: two words at a time, then the rest of long names
        words, masks, width = names.flat_words, names.flat_masks, names.width
        base = k * width
        bad = ((self._word(self.Wq, p) ^ words.take(base)) & masks.take(base)) != 0
        bad |= ((self._word(self.Wq, p + 8) ^ words.take(base + 1)) & masks.take(base + 1)) != 0
        longer = np.flatnonzero(L > 16)
        for j in range(2, width):
            longer = longer[L.take(longer) > 8 * j]
            if not len(longer):
                break
            i = base.take(longer) + j
            bad[longer] |= ((self._word(self.Wq, p.take(longer) + 8 * j) ^ words.take(i))
                            & masks.take(i)) != 0
        if bad.any():
            keep = ~bad
            p, L, end = p[keep], L[keep], end[keep]
        if not len(p):
            return
        long = L >= 6
        if long.all():
            short = None
        else:
            short = ~long
            p, end, q, qend = p[long], end[long], p[short], end[short]
        if len(p):
            for i in range(6):
                W[p + i] = _NAME[i]
            _fill(W, S, p + 6, end)
        if short is not None:
            W[q] = _NAME_MARK
            marks.append((q, _NAME_MARK))
            _fill(W, S, q + 1, qend)

    def _numbers(self, W, RS, S, s, glued, slow) -> None:
        """Numbers -> "N", error codes kept; rows with keys, ocids, hex ids -> step_name."""
        e = s + 1
        active = np.arange(len(s))
        while len(active):
            active = active[_IS_DIGIT.take(W.take(e.take(active)))]
            e[active] += 1
        if len(glued):                      # a run does not go on into the next row
            i = np.searchsorted(s, glued, side="right") - 2
            cut = (i >= 0) & (e.take(np.maximum(i, 0)) > glued)
            if cut.any():
                np.minimum.at(e, i[cut], glued[cut])
        # run i joins run i + 1 over a single "." or ":"
        first = np.ones(len(s), dtype=bool)
        if len(s) > 1:
            e0 = e[:-1]
            join = np.flatnonzero((s[1:] == e0 + 1) & _IS_GROUP_SEP.take(W.take(e0)))
            if len(join):
                x = e0.take(join)
                first[join[(RS.take(x) | RS.take(x + 1)) == 0] + 1] = False
        before = W.take(s - 1)
        keep_runs = None
        cand = np.flatnonzero(first & (before == 0x2D))
        if len(cand):
            x = s.take(cand)
            ok = _IS_UPDIG.take(W.take(x - 2)) & ((RS.take(x) | RS.take(x - 1)) == 0)
            cand, x = cand[ok], x[ok]
            if len(cand):
                is_code, prefix = _codes(W, RS, x, e.take(cand))
                if is_code.any():
                    # the code's runs, and the digits in its prefix, stay as they are; runs
                    # joined after a code make a group of their own
                    cand, prefix = cand[is_code], prefix[is_code]
                    keep_runs = np.zeros(len(s), dtype=bool)
                    keep_runs[cand] = True
                    first[cand[cand + 1 < len(s)] + 1] = True
                    lo = np.searchsorted(s, prefix, side="left")
                    keep_runs[_ranges(lo, cand)] = True
        # keys, ocids, long hex ids and UUIDs: rows for step_name
        cand = np.flatnonzero((before == 0x64) | _IS_UPPER.take(before))   # "d", "A"-"Z"
        if len(cand):
            x = s.take(cand)
            low32 = np.uint64(0xFFFFFFFF)
            hit = ((self._word(self.Wq, np.maximum(x - 4, 0)) & low32) == _OCID4) & (x >= 4)
            hit |= ((self._word(self.Wq, np.maximum(x - 5, 0)) & low32) == _AAAA) & (x >= 5)
            if hit.any():
                slow.append(x[hit])
        near = np.flatnonzero(_IS_HEXISH.take(before) | _IS_HEXISH.take(W.take(e)))
        if len(near):
            x = s.take(near)
            hit = _long_hex(W, RS, x, e.take(near))
            if hit.any():
                slow.append(x[hit])
        gf = np.flatnonzero(first)
        gl = np.append(gf[1:], len(s)) - 1
        if keep_runs is not None:
            keep = ~keep_runs.take(gf)
            gf, gl = gf[keep], gl[keep]
        gs = s.take(gf)
        W[gs] = 0x4E                                        # "N"
        _fill(W, S, gs + 1, e.take(gl))

    @staticmethod
    def _spaces(W, RS, S, pos) -> None:
        """Runs of whitespace -> one space."""
        start = pos.copy()
        active = np.arange(len(start))
        while len(active):
            x = start.take(active)
            active = active[(RS.take(x) == 0) & _IS_SPACE.take(W.take(x - 1))]
            start[active] -= 1
        start = np.unique(start)
        end = start + 1
        active = np.arange(len(end))
        while len(active):
            x = end.take(active)
            active = active[(RS.take(x) == 0) & _IS_SPACE.take(W.take(x))]
            end[active] += 1
        change = (end - start > 1) | (W.take(start) != 0x20)
        start, end = start[change], end[change]
        W[start] = 0x20
        _fill(W, S, start + 1, end)

    @staticmethod
    def _strip(W, o) -> None:
        """Leading whitespace, trailing whitespace and dots (before runs of whitespace are
        collapsed, this is the same as a leading space and trailing spaces and dots after)."""
        lo, hi = o[:-1], o[1:]
        x = hi - 1
        rows = np.flatnonzero(_IS_TRAILING.take(W.take(x)) & (hi > lo))
        if len(rows):
            x, lo_r = x.take(rows), lo.take(rows)
            while len(x):
                W[x] = _FILL
                x -= 1
                go = x >= lo_r
                go &= _IS_TRAILING.take(W.take(x))
                x, lo_r = x[go], lo_r[go]
        rows = np.flatnonzero(_IS_SPACE.take(W.take(lo)) & (hi > lo))
        if len(rows):
            x, hi_r = lo.take(rows), hi.take(rows)
            while len(x):
                W[x] = _FILL
                x += 1
                go = x < hi_r
                go &= _IS_SPACE.take(W.take(x))
                x, hi_r = x[go], hi_r[go]

    def _assemble(self, W, S, o, r0, r1, marks, slow) -> pa.LargeStringArray:
        """Drop _FILL, expand the markers, put in the rows computed by step_name."""
        valid = self.valid[r0:r1]
        slow_rows = self.slow_rows[r0:r1]
        if slow:
            slow_rows = slow_rows.copy()
            pos = np.concatenate(slow)
            slow_rows[np.searchsorted(o, pos, side="right") - 1] = True
            slow_rows &= valid
        dead = None                                 # rows whose bytes all go
        if not valid.all() or slow_rows.any():
            dead = ~valid | slow_rows
            rows = np.flatnonzero(dead)
            _fill(W, S, o.take(rows), o.take(rows + 1))
        # insertions into the kept bytes: (where in W, what, row)
        at: list[np.ndarray] = []
        what: list[np.ndarray] = []
        whose: list[np.ndarray] = []
        for pos, kind in marks:
            rows = np.searchsorted(o, pos, side="right") - 1
            if dead is not None:
                live = ~dead.take(rows)
                pos, rows = pos[live], rows[live]
            if not len(pos):
                continue
            if kind == _NAME_MARK:
                W[pos] = 0x3C                                   # "<"
                tail = _NAME[1:]
            else:
                W[pos] = 0x2A                                   # "*"
                tail = np.frombuffer(b"]", dtype=np.uint8)
            at.append(np.repeat(pos, len(tail)))
            what.append(np.tile(tail, len(pos)))
            whose.append(np.repeat(rows, len(tail)))
        if slow_rows.any():
            rows = np.flatnonzero(slow_rows)
            texts = self._slow_texts(r0 + rows)
            lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            at.append(np.repeat(o.take(rows) - 1, lens))        # after the row's (no) bytes
            what.append(np.frombuffer(b"".join(texts), dtype=np.uint8))
            whose.append(np.repeat(rows, lens))
        if at:
            at = np.concatenate(at)
            what = np.concatenate(what)
            whose = np.concatenate(whose)
            order = np.lexsort((np.arange(len(at)), at, whose))
            at, what, whose = at.take(order), what.take(order), whose.take(order)
        ins = (at, what, whose) if len(at) else None
        return self._build(W, S, o, r1 - r0, ins, None if valid.all() else valid)

    def _build(self, W, S, o, nrows, ins, valid) -> pa.LargeStringArray:
        """The string array of the bytes of W that are not _FILL, with the insertions."""
        keep = self.K
        np.not_equal(W[:S], _FILL, out=keep[:S])
        bits = np.packbits(keep[:S], bitorder="little")
        words = np.zeros((len(bits) + 7) // 8 + 1, dtype="<u8")
        words.view(np.uint8)[:len(bits)] = bits
        cum = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.bitwise_count(words), out=cum[1:])

        def kept_before(x: np.ndarray) -> np.ndarray:
            w = x >> 6
            return cum.take(w) + np.bitwise_count(words.take(w) & _LOW_BITS.take(x & 63))

        out_off = kept_before(o)
        data = pa.Array.from_buffers(pa.uint8(), S, [None, pa.py_buffer(W[:S])])
        body = data.filter(pa.Array.from_buffers(pa.bool_(), S, [None, pa.py_buffer(bits)]))
        if ins is not None and len(ins[0]):
            at, what, whose = ins
            where = kept_before(at + 1)         # after the byte at `at` (kept)
            body_buf = pa.py_buffer(np.insert(np.asarray(body), where, what))
            grow = np.bincount(whose, minlength=nrows)
            out_off[1:] += np.cumsum(grow)
        else:
            body_buf = body.buffers()[1]
        validity = None
        nulls = 0
        if valid is not None:
            validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
            nulls = int(nrows - np.count_nonzero(valid))
        return pa.LargeStringArray.from_buffers(nrows, pa.py_buffer(out_off), body_buf,
                                                validity, nulls)

    def _slow_texts(self, rows: np.ndarray) -> list[bytes]:
        idx = pa.array(rows, type=pa.int64())
        messages = self.msgs.take(idx).to_pylist()
        names = self.names.of_rows(rows)
        cache = self.cache
        out = []
        for key in zip(messages, names):
            text = cache.get(key)
            if text is None:
                text = cache[key] = step_name(*key).encode("utf-8")
            out.append(text)
        return out


def _fill(W: np.ndarray, S: int, starts: np.ndarray, ends: np.ndarray) -> None:
    """W[start:end] = _FILL for sorted, disjoint ranges."""
    keep = ends > starts
    if not keep.all():
        starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return
    if int((ends - starts).sum()) * 4 < S:
        W[_ranges(starts, ends)] = _FILL
        return
    bounds = np.empty(2 * len(starts) + 2, dtype=np.int64)
    bounds[0] = 0
    bounds[1:-1:2] = starts
    bounds[2:-1:2] = ends
    bounds[-1] = S
    value = np.zeros(len(bounds) - 1, dtype=np.uint8)
    value[1::2] = _FILL
    np.maximum(W[:S], np.repeat(value, np.diff(bounds)), out=W[:S])


def _codes(W, RS, s, e) -> np.ndarray:
    """Whether each digit run [s, e) (after a "-") ends an error code, like SM-BKP-5127,
    and where the code would start."""
    ok = (RS.take(e) != 0) | ~_IS_WORD.take(W.take(e))
    dash = s - 1
    a = dash.copy()                       # the segment before the dash: [a, dash)
    active = np.flatnonzero(ok)
    while len(active):
        x = a.take(active)
        active = active[(RS.take(x) == 0) & _IS_UPDIG.take(W.take(x - 1))]
        a[active] -= 1
    ok &= (a < dash) & _IS_UPPER.take(W.take(a)) & (RS.take(a) == 0) & (W.take(a - 1) == 0x2D)
    dash = a - 1
    ok &= RS.take(dash) == 0
    c = dash.copy()
    active = np.flatnonzero(ok)
    while len(active):
        x = c.take(active)
        active = active[(RS.take(x) == 0) & _IS_UPDIG.take(W.take(x - 1))]
        c[active] -= 1
    ok &= (c < dash) & _IS_UPPER.take(W.take(c)) & ((RS.take(c) != 0)
                                                   | ~_IS_WORD.take(W.take(c - 1)))
    return ok, c


def _long_hex(W, RS, s, e) -> np.ndarray:
    """Whether the word of hex digits and dashes around each digit run [s, e) is 12 or more
    long and holds something else than digits (a long hex id or a UUID may be there)."""
    other = np.zeros(len(s), dtype=bool)
    a = s.copy()
    active = np.arange(len(s))
    while len(active):
        x = a.take(active)
        active = active[(RS.take(x) == 0) & _IS_HEXISH.take(W.take(x - 1))]
        a[active] -= 1
        other[active] |= ~_IS_DIGIT.take(W.take(a.take(active)))
    b = e.copy()
    active = np.arange(len(s))
    while len(active):
        x = b.take(active)
        active = active[(RS.take(x) == 0) & _IS_HEXISH.take(W.take(x))]
        other[active] |= ~_IS_DIGIT.take(W.take(b.take(active)))
        b[active] += 1
    return (b - a >= 12) & other
