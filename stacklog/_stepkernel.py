"""The compiled loop behind :func:`stacklog.step_names` (imported only when a column is named:
numba takes a moment to load, and compiles these functions once, into its cache).

One pass over a row's UTF-8 bytes applies the rules of :mod:`stacklog._steps` in their order:
the row's service name first (into a scratch buffer, only when it occurs), then brackets,
numbers and error codes, whitespace, and the trim at both ends. A row that may hold what only
the reference does (an SSH key, a URL, an ocid, an e-mail address, a UUID or a long hex id,
outside bracket pairs, where the bracket rule would erase them) is flagged instead, with no
bytes, and named by :func:`stacklog._steps.step_name`; that is exact, and such rows are rare.
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
        tmp[n:n + i - last] = src[last:i]
        n += i - last
        tmp[n:n + 6] = _NAME
        n += 6
        i += L
        last = i
    if n >= 0:
        tmp[n:n + m - last] = src[last:m]
        n += m - last
    return n


@njit(nogil=True, cache=True, boundscheck=False)
def name_rows(data, off, valid, codes, name_data, name_off, cls, out, out_off, slow, tmp):
    """Step names of the rows ``data[off[r]:off[r + 1]]`` into ``out``, row r at
    ``out[out_off[r]:out_off[r + 1]]``.

    ``codes[r]``: the row's service name, ``name_data[name_off[k]:name_off[k + 1]]`` (empty:
    no name to replace; -1: none). A row that is not ``valid`` and a row set in ``slow`` (see
    the module documentation) get no bytes. ``tmp`` holds ``MAX_GROWTH`` times the longest
    row. Returns the bytes written, or -1 when ``out`` is too small.
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
            a, b = texts_off[k], texts_off[k + 1]
            new[pos:pos + b - a] = texts[a:b]
            k += 1
        else:
            a, b = out_off[r], out_off[r + 1]
            new[pos:pos + b - a] = out[a:b]
        pos += b - a
    new_off[n] = pos
