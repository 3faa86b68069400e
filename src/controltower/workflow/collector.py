"""Pausing Python's cyclic garbage collector around a large scan.

Kept in a module of its own, with no imports from the product, so a command can pause
the collector before it loads anything else.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a large scan, then restore it.

    A scan of a million lines makes millions of short strings and tuples, none of them
    in reference cycles; the collector would walk every live container each time a
    generation fills, which costs about a fifth of the scan for nothing. Memory is
    still freed by reference counting; the collector runs once at the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
