"""Compiled loops (numba), imported only when a large column is worked on: numba takes a
moment to load, and compiles these functions once, into its cache.

**Step names** (:func:`name_rows`, behind :func:`stacklog._steps.step_names`). One pass over a
row's UTF-8 bytes applies the rules of :mod:`stacklog._steps` in their order: the row's
service name first (into a scratch buffer, only when it occurs), then brackets, numbers and
error codes, whitespace, and the trim at both ends. A row that may hold what only the
reference does (an SSH key, a URL, an ocid, an e-mail address, a UUID or a long hex id,
outside bracket pairs, where the bracket rule would erase them) is flagged instead, with no
bytes, and named by :func:`stacklog._steps.step_name`; that is exact, and such rows are rare.

**Step statistics** (:func:`group_stats`, behind :func:`stacklog.step_stats`): the rows of each
group gathered in one pass (a counting sort), then each group's values sorted on their own.
"""
from __future__ import annotations

import numpy as np
from numba import njit

# byte classes, as bits
_DIGIT, _UPPER, _LOWER, _UNDERSCORE, _SPACE, _HEXISH, _SPECIAL = 1, 2, 4, 8, 16, 32, 64
_ALNUM = _DIGIT | _UPPER | _LOWER
_WORD = _ALNUM | _UNDERSCORE
_PLAIN = _DIGIT | _UPPER | _SPACE | _SPECIAL      # a byte without these bits is copied as is

CLASSES = np.zeros(256, dtype=np.uint8)
for _bytes, _bit in ((b"0123456789", _DIGIT | _HEXISH), (b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", _UPPER),
                     (b"abcdefghijklmnopqrstuvwxyz", _LOWER), (b"_", _UNDERSCORE),
                     (b" \t\n\r\f\v", _SPACE), (b"abcdefABCDEF-", _HEXISH),
                     (b"[@:Ao", _SPECIAL)):
    CLASSES[np.frombuffer(_bytes, dtype=np.uint8)] |= _bit

_NAME = np.frombuffer(b"<name>", dtype=np.uint8).copy()

# a row holds at most 1.5 times its bytes after the service name ("[]" -> "[*]"), and the
# service name at most triples them (a name of two bytes -> "<name>")
MAX_GROWTH = 5


@njit(nogil=True, cache=True, boundscheck=False)
def _long_hex(src, m, p, cls):
    """Whether the run of hex digits and dashes around position ``p`` is 12 or more long and
    holds something else than decimal digits (a UUID or a long hex id may be there)."""
    a = p
    while a > 0 and cls[src[a - 1]] & _HEXISH:
        a -= 1
    e = p + 1
    while e < m and cls[src[e]] & _HEXISH:
        e += 1
    if e - a < 12:
        return False
    for t in range(a, e):
        if not cls[src[t]] & _DIGIT:
            return True
    return False


@njit(nogil=True, cache=True, boundscheck=False)
def _with_name(src, m, name, cls, tmp):
    """The length of ``src[:m]`` with each occurrence of ``name`` that no ASCII letter or
    digit touches replaced by "<name>" (left to right, not overlapping), written into
    ``tmp``; -1 (and nothing written) when there is none."""
    L = len(name)
    first = name[0]
    i = 0
    n = -1                                      # bytes written to tmp, once there is a match
    last = 0                                    # src[last:i] is not yet written
    while True:
        while i < m and src[i] != first:
            i += 1
        if i + L > m:
            break
        same = (i == 0 or not cls[src[i - 1]] & _ALNUM) and (
            i + L == m or not cls[src[i + L]] & _ALNUM)
        if same:
            for t in range(1, L):
                if src[i + t] != name[t]:
                    same = False
                    break
        if not same:
            i += 1
            continue
        n = max(n, 0)
        for t in range(last, i):                # (loops: quicker than slices here)
            tmp[n] = src[t]
            n += 1
        for t in range(6):
            tmp[n + t] = _NAME[t]
        n += 6
        i += L
        last = i
    if n >= 0:
        for t in range(last, m):
            tmp[n] = src[t]
            n += 1
    return n


@njit(nogil=True, cache=True, boundscheck=False)
def name_rows(data, off, valid, codes, name_data, name_off, cls, out, out_off, slow, tmp):
    """Step names of the rows ``data[off[r]:off[r + 1]]`` into ``out``, row r at
    ``out[out_off[r]:out_off[r + 1]]``.

    ``codes[r]``: the row's service name, ``name_data[name_off[k]:name_off[k + 1]]`` (empty:
    no name to replace; -1: none). A row that is not ``valid`` and a row set in ``slow`` (see
    the module documentation) get no bytes. ``tmp`` holds three times the longest row (a
    service name of two bytes becomes "<name>"). Returns the bytes written, or -1 when ``out`` is too small.
    """
    n = len(off) - 1
    pos = 0
    cap = len(out)
    for r in range(n):
        out_off[r] = pos
        if not valid[r]:
            continue
        src = data[off[r]:off[r + 1]]
        m = len(src)
        k = codes[r]
        if k >= 0 and name_off[k + 1] > name_off[k]:
            named = _with_name(src, m, name_data[name_off[k]:name_off[k + 1]], cls, tmp)
            if named >= 0:
                src = tmp[:named]
                m = named
        if pos + m + m // 2 + 1 > cap:
            return -1
        start = pos
        spaced = False                          # the last byte written ends a whitespace run
        rare = False
        i = 0
        while i < m:
            c = src[i]
            f = cls[c]
            if not f & _PLAIN:
                out[pos] = c
                pos += 1
                i += 1
                spaced = False
                continue
            if f & _SPACE:                      # a run of whitespace: one space, none first
                if not spaced and pos > start:
                    out[pos] = 0x20
                    pos += 1
                spaced = True
                i += 1
                continue
            spaced = False
            if f & _SPECIAL:
                if c == 0x5B:                   # "[" + no brackets + "]" -> "[*]"
                    j = i + 1
                    while j < m and src[j] != 0x5B and src[j] != 0x5D:
                        j += 1
                    if j < m and src[j] == 0x5D:
                        out[pos] = 0x5B
                        out[pos + 1] = 0x2A
                        out[pos + 2] = 0x5D
                        pos += 3
                        i = j + 1
                        continue
                elif c == 0x40:                 # "@": an e-mail address or a key's comment
                    rare = True
                    break
                elif c == 0x3A:                 # "://"
                    if i + 2 < m and src[i + 1] == 0x2F and src[i + 2] == 0x2F:
                        rare = True
                        break
                elif c == 0x41:                 # "AAAA": an SSH key
                    if (i + 3 < m and src[i + 1] == 0x41 and src[i + 2] == 0x41
                            and src[i + 3] == 0x41):
                        rare = True
                        break
                elif (c == 0x6F and i + 5 < m and src[i + 1] == 0x63   # "ocid1."
                      and src[i + 2] == 0x69 and src[i + 3] == 0x64 and src[i + 4] == 0x31
                      and src[i + 5] == 0x2E):
                    rare = True
                    break
            if f & _DIGIT:                      # runs of digits joined by "." or ":" -> "N"
                j = i + 1
                while j < m and cls[src[j]] & _DIGIT:
                    j += 1
                if _long_hex(src, m, i, cls):
                    rare = True
                    break
                while (j + 1 < m and (src[j] == 0x2E or src[j] == 0x3A)
                       and cls[src[j + 1]] & _DIGIT):
                    j += 2
                    while j < m and cls[src[j]] & _DIGIT:
                        j += 1
                if _long_hex(src, m, j - 1, cls):   # the runs between are digits only
                    rare = True
                    break
                out[pos] = 0x4E
                pos += 1
                i = j
                continue
            if f & _UPPER and (i == 0 or not cls[src[i - 1]] & _WORD):
                # an error code, [A-Z][A-Z0-9]*-[A-Z][A-Z0-9]*-[0-9]+, no word byte after:
                # kept as it is
                j = i + 1
                while j < m and cls[src[j]] & (_UPPER | _DIGIT):
                    j += 1
                if j + 1 < m and src[j] == 0x2D and cls[src[j + 1]] & _UPPER:
                    j += 2
                    while j < m and cls[src[j]] & (_UPPER | _DIGIT):
                        j += 1
                    if j + 1 < m and src[j] == 0x2D and cls[src[j + 1]] & _DIGIT:
                        e = j + 2
                        while e < m and cls[src[e]] & _DIGIT:
                            e += 1
                        if e == m or not cls[src[e]] & _WORD:
                            for t in range(i, e):
                                if cls[src[t]] & _DIGIT and _long_hex(src, m, t, cls):
                                    rare = True
                                    break
                                out[pos] = src[t]
                                pos += 1
                            if rare:
                                break
                            i = e
                            continue
            out[pos] = c
            pos += 1
            i += 1
        if rare:
            slow[r] = True
            pos = start
            continue
        while pos > start and (out[pos - 1] == 0x20 or out[pos - 1] == 0x2E):
            pos -= 1                            # trailing spaces and dots
    out_off[n] = pos
    return pos


@njit(nogil=True, cache=True, boundscheck=False)
def splice(out, out_off, rows, texts, texts_off, new, new_off):
    """``out`` with ``texts[texts_off[i]:texts_off[i + 1]]`` as the bytes of row ``rows[i]``
    (rows sorted, holding no bytes yet), into ``new`` and ``new_off``."""
    n = len(out_off) - 1
    pos = 0
    k = 0
    for r in range(n):
        new_off[r] = pos
        if k < len(rows) and rows[k] == r:
            for t in range(texts_off[k], texts_off[k + 1]):
                new[pos] = texts[t]
                pos += 1
            k += 1
        else:
            for t in range(out_off[r], out_off[r + 1]):
                new[pos] = out[t]
                pos += 1
    new_off[n] = pos


def group_stats(group: np.ndarray, span: int, seconds: np.ndarray, ids: np.ndarray,
                ids_in_order: bool, threads: int = 1) -> tuple[np.ndarray, ...]:
    """Statistics of ``seconds`` per group code (``0 <= group < span``), for the codes that
    occur, in code order: (codes, rows, first row, distinct ``ids``, total, median, 90th
    percentile, max). Totals add the rows in their order (as ``np.bincount`` does);
    percentiles interpolate linearly between the sorted values (as pandas does).
    ``ids_in_order``: the ids never go down from row to row, so that a group's distinct ids
    are counted without sorting them. With ``threads`` of 2 or more, the groups are split in
    two of about as many rows, each on its own thread."""
    codes, starts, first, total, values, job = _gather(group, span, seconds, ids)
    m = len(codes)
    out = np.empty((3, m))
    jobs = np.empty(m, dtype=np.int64)
    if threads < 2 or len(group) < 1 << 18 or m < 2:
        _group_values(values, job, starts, 0, m, ids_in_order, out, jobs)
    else:
        from concurrent.futures import ThreadPoolExecutor

        half = int(np.searchsorted(starts, len(group) // 2))
        with ThreadPoolExecutor(2) as pool:
            done = [pool.submit(_group_values, values, job, starts, lo, hi, ids_in_order,
                                out, jobs) for lo, hi in ((0, half), (half, m))]
            for part in done:
                part.result()
    return codes, np.diff(starts), first, jobs, total, out[0], out[1], out[2]


@njit(nogil=True, cache=True, boundscheck=False)
def _gather(group, span, seconds, ids):
    """The codes that occur, where each one's rows start (and end), its first row, its
    total, and the values and ids of the rows, group after group, each in row order."""
    n = len(group)
    count = np.zeros(span, dtype=np.int64)
    for i in range(n):
        count[group[i]] += 1
    slot = np.full(span, -1, dtype=np.int64)
    m = 0
    for g in range(span):
        if count[g]:
            slot[g] = m
            m += 1
    codes = np.empty(m, dtype=np.int64)
    starts = np.zeros(m + 1, dtype=np.int64)
    for g in range(span):
        if count[g]:
            codes[slot[g]] = g
            starts[slot[g] + 1] = count[g]
    for s in range(m):
        starts[s + 1] += starts[s]
    total = np.zeros(m)
    first = np.full(m, -1, dtype=np.int64)
    at = starts[:m].copy()
    values = np.empty(n)
    job = np.empty(n, dtype=ids.dtype)
    for i in range(n):
        s = slot[group[i]]
        total[s] += seconds[i]
        if first[s] < 0:
            first[s] = i
        values[at[s]] = seconds[i]
        job[at[s]] = ids[i]
        at[s] += 1
    return codes, starts, first, total, values, job


@njit(nogil=True, cache=True, boundscheck=False)
def _group_values(values, job, starts, lo, hi, ids_in_order, out, jobs):
    """Median, 90th percentile and max (into ``out``) and distinct ids (into ``jobs``) of
    groups lo..hi-1."""
    for s in range(lo, hi):
        a, b = starts[s], starts[s + 1]
        k = b - a
        # only the values at these places need to be where sorting would put them
        p50, p9 = (k - 1) * 0.5, (k - 1) * 0.9
        wanted = np.array([int(np.floor(p50)), int(np.ceil(p50)), int(np.floor(p9)),
                           int(np.ceil(p9)), k - 1])
        v = np.partition(values[a:b], np.unique(wanted))
        for q in range(2):
            p = p50 if q == 0 else p9
            x = int(np.floor(p))
            y = int(np.ceil(p))
            out[q, s] = v[x] + (v[y] - v[x]) * (p - x)
        out[2, s] = v[k - 1]
        these = job[a:b] if ids_in_order else np.sort(job[a:b])
        distinct = 1
        for j in range(1, k):
            if these[j] != these[j - 1]:
                distinct += 1
        jobs[s] = distinct
