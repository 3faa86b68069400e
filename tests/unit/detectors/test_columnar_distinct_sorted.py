"""``distinct_sorted``: the distinct keys, ascending, exactly as ``np.unique`` gives them.

The detectors number their candidates with it on every scan; it sorts instead of
using ``np.unique``'s hash table, which is much slower on a crisis day's keys.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from controltower.detectors.columnar.groups import distinct_sorted

_KEYS = st.one_of(
    hnp.arrays(np.int64, st.integers(0, 300), elements=st.integers(-(2**62), 2**62)),
    hnp.arrays(np.int64, st.integers(0, 300), elements=st.integers(0, 20)),
    hnp.arrays(np.int32, st.integers(0, 300), elements=st.integers(-50, 50)),
)


@given(_KEYS)
def test_the_distinct_keys_are_those_of_np_unique_in_int64(keys: np.ndarray) -> None:
    found = distinct_sorted(keys)
    assert found.dtype == np.int64
    assert found.tolist() == np.unique(keys).tolist()


def test_the_keys_given_are_left_as_they_were() -> None:
    keys = np.array([5, 1, 5, 3], dtype=np.int64)
    assert distinct_sorted(keys).tolist() == [1, 3, 5]
    assert keys.tolist() == [5, 1, 5, 3]
