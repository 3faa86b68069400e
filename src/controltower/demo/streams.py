"""Independent, named random streams derived from one seed.

Each part of the business (products, customers, demand, ...) draws from its own
stream, so adding a draw in one part never shifts the numbers of another, and the
whole business depends on nothing but the seed: no hash seed, no set order, no clock.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    """A factory of :class:`numpy.random.Generator`, one per stream name."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"the demo seed must be a non-negative integer, not {seed}")
        self._seed = seed

    def stream(self, name: str) -> np.random.Generator:
        """The generator for ``name``: the same name and seed always give the same draws."""
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.default_rng(np.random.SeedSequence([self._seed, key]))
