"""Business sizes on the command line: ``100k`` and ``1m`` in, ``100k`` and ``1M`` out.

Shared by every benchmark, and free of the product's imports, so a benchmark that
measures the product in fresh processes does not load it into its own.
"""

from __future__ import annotations

import argparse


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    value = text.strip().lower().replace("_", "")
    factor = 1
    if value.endswith("k"):
        factor, value = 1_000, value[:-1]
    elif value.endswith("m"):
        factor, value = 1_000_000, value[:-1]
    try:
        number = round(float(value) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 10k, 100k or 1m") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a size must be positive")
    return number


def label(n: int) -> str:
    """10000 -> ``10k``, 1000000 -> ``1M``."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)
