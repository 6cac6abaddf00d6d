"""Small DataFrame helpers shared by the modules."""

from __future__ import annotations

import pandas as pd


def lookup(keys: pd.Series, mapper: pd.Series) -> pd.Series:
    """``keys.map(mapper)`` keeping ``mapper``'s dtype, also when either is empty.

    ``mapper`` must have a unique index; keys not in it give NA.
    """
    positions = mapper.index.get_indexer(keys.to_numpy())
    values = mapper.array.take(positions, allow_fill=True)
    return pd.Series(values, index=keys.index, name=mapper.name)
