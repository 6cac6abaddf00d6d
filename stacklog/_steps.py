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

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

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
# From _util.COMPILED_FROM rows, the messages' UTF-8 bytes go through one compiled loop
# (stacklog._compiled), in groups of whole rows of about _GROUP bytes, on one thread per core
# (the loop releases the GIL). Rows it leaves to step_name (keys, URLs, e-mail addresses,
# ocids, UUIDs and long hex ids) are rare; their names are put in afterwards. Fewer rows are
# named by step_name, once per distinct message and name.

_GROUP = 1 << 22    # bytes of rows named together


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
    if len(messages) < _util.COMPILED_FROM:            # one step_name per distinct pair
        return _step_names_slow(messages, names)
    msgs = _arrow_strings(messages)
    if isinstance(names.dtype, pd.CategoricalDtype):
        # the codes say which rows share a name: no need to compare the strings
        codes, distinct = np.asarray(names.cat.codes, dtype=np.int64), names.cat.categories
    else:
        codes, distinct = pd.factorize(names, use_na_sentinel=True)
    table = _name_table(distinct)
    if msgs is None or table is None:      # not encodable as UTF-8 (lone surrogates)
        return _step_names_slow(messages, names)
    return pd.Series(_name_column(msgs, codes.astype(np.int64, copy=False), *table),
                     index=messages.index, dtype="str")


def _name_table(distinct) -> tuple[np.ndarray, np.ndarray, list] | None:
    """The UTF-8 bytes of each distinct service name, one after the other, and where each
    starts (empty where there is nothing to replace: not a string, or under 2 characters);
    None if one cannot be encoded."""
    values = distinct.tolist()
    parts = []
    for value in values:
        if isinstance(value, str) and len(value) >= 2:
            try:
                parts.append(value.encode("utf-8"))
            except UnicodeError:
                return None
        else:
            parts.append(b"")
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=starts[1:])
    return np.frombuffer(b"".join(parts) + b"\0", dtype=np.uint8), starts, values


def _name_column(msgs: pa.ChunkedArray, codes: np.ndarray, name_data: np.ndarray,
                 name_off: np.ndarray, names: list) -> pa.ChunkedArray:
    """The step names of a large_string column, with each row's name code (-1: none)."""
    from concurrent.futures import ThreadPoolExecutor

    work = []                                   # (chunk, first row of the column, rows)
    row = 0
    for chunk in msgs.chunks:
        if len(chunk):
            _, off = _buffers(chunk)
            cuts = np.unique(np.concatenate(
                [[0], np.searchsorted(off, np.arange(_GROUP, int(off[-1]), _GROUP)),
                 [len(chunk)]]))
            work.extend((chunk, row, a, b) for a, b in zip(cuts[:-1].tolist(),
                                                           cuts[1:].tolist()) if b > a)
        row += len(chunk)
    if not work:
        return pa.chunked_array([], type=pa.large_string())

    def run(item) -> pa.LargeStringArray:
        chunk, first, a, b = item
        part = chunk.slice(a, b - a)
        return _name_rows(part, codes[first + a:first + b], name_data, name_off, names)

    count = min(len(work), _util.threads())
    if count <= 1:
        parts = [run(item) for item in work]
    else:
        with ThreadPoolExecutor(count) as pool:
            parts = list(pool.map(run, work))
    return pa.chunked_array(parts, type=pa.large_string())


def _name_rows(arr: pa.LargeStringArray, codes: np.ndarray, name_data: np.ndarray,
               name_off: np.ndarray, names: list) -> pa.LargeStringArray:
    """The step names of some rows: the compiled loop, then step_name for the rows it leaves."""
    from . import _compiled as K

    data, off = _buffers(arr)
    n = len(arr)
    valid = (np.ones(n, dtype=bool) if arr.null_count == 0
             else np.asarray(arr.is_valid()))
    longest = int(np.diff(off).max(initial=0))
    tmp = np.empty(3 * longest + 8, dtype=np.uint8)
    out_off = np.empty(n + 1, dtype=np.int64)
    slow = np.zeros(n, dtype=bool)
    # from Arrow's pool, which hands out memory freed before (fresh pages cost a fault each)
    out = np.frombuffer(pa.allocate_buffer(len(data) + len(data) // 2 + 64), dtype=np.uint8)
    size = K.name_rows(data, off, valid, codes, name_data, name_off, K.CLASSES, out, out_off,
                       slow, tmp)
    if size < 0:                                # names made the rows longer
        out = np.empty(K.MAX_GROWTH * len(data) + 64, dtype=np.uint8)
        slow[:] = False
        size = K.name_rows(data, off, valid, codes, name_data, name_off, K.CLASSES, out,
                           out_off, slow, tmp)
        assert size >= 0, "a row grew more than MAX_GROWTH times"
    rows = np.flatnonzero(slow)
    if len(rows):
        texts = _slow_texts(arr, rows, codes, names)
        texts_off = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in texts], out=texts_off[1:])
        new = np.empty(size + int(texts_off[-1]), dtype=np.uint8)
        new_off = np.empty(n + 1, dtype=np.int64)
        K.splice(out, out_off, rows, np.frombuffer(b"".join(texts) + b"\0", dtype=np.uint8),
                 texts_off, new, new_off)
        out, out_off, size = new, new_off, len(new)
    validity = None if arr.null_count == 0 else pa.py_buffer(np.packbits(valid,
                                                                          bitorder="little"))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(out_off), pa.py_buffer(out[:size]),
                                            validity, arr.null_count)


def _slow_texts(arr: pa.LargeStringArray, rows: np.ndarray, codes: np.ndarray,
                names: list) -> list[bytes]:
    """step_name of some rows, UTF-8 encoded."""
    messages = arr.take(pa.array(rows, type=pa.int64())).to_pylist()
    these = [names[code] if code >= 0 else None for code in codes.take(rows).tolist()]
    return [text.encode("utf-8") for text in _named_once(messages, these)]


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
    out = _named_once(messages.tolist(), names.tolist())
    try:
        return pd.Series(out, index=messages.index, dtype="str")
    except UnicodeError:                    # "str" cannot hold them either
        return pd.Series(out, index=messages.index, dtype=object)


def _named_once(messages: list, names: list) -> list:
    """step_name of each message with the name beside it, each distinct pair worked out
    once: None for a message that is not a string, no name for a name that is not one."""
    cache: dict = {}
    out = []
    for message, name in zip(messages, names):
        if not isinstance(message, str):
            out.append(None)
            continue
        key = (message, name if isinstance(name, str) else None)
        text = cache.get(key)
        if text is None:
            text = cache[key] = step_name(*key)
        out.append(text)
    return out


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
