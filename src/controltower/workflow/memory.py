"""How a large scan uses memory: the cyclic collector paused, Arrow on ``malloc``, and
``malloc``'s free memory given back before the scan forks its writer.

On the 1M-line bench the scan touches about a gigabyte of fresh memory, and on a
virtual machine each page touched for the first time costs a page fault of several
microseconds: memory that is reused costs nothing, memory that is new costs seconds.
The two settings here are process-wide, so commands apply them, not library code;
giving memory back changes no setting, so the scan itself does it when it pays.

Kept in a module of its own, with no imports from the product, so a command can set
them up before it loads anything else.
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


def arrow_on_the_system_allocator() -> None:
    """Have pyarrow allocate its buffers with the C library's ``malloc``.

    pyarrow's bundled allocator gives freed pages back eagerly and faults in fresh ones
    for the next file; ``malloc`` reuses what the CSV reader freed for the arrays that
    follow. Measured on the 1M-line scan: about 0.5-1 s faster (of 5-6 s) and 10-20%
    less peak memory. Arrow's own results are unchanged; only where bytes come from.
    """
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def release_free_memory() -> None:
    """Give the memory ``malloc`` holds free back to the system, where it can (glibc).

    The reader and the kernel free hundreds of megabytes that ``malloc`` keeps for
    reuse. Before the scan forks its writer, that memory would be counted again in the
    child (a forked child's resident pages include every page its parent had), and
    both processes would copy the pages they reuse; given back, it costs neither. A
    no-op where the C library has no ``malloc_trim``.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is not None:
        trim(0)
