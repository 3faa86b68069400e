"""The seeded generator of NORDEL, a realistic demo distributor (see ``docs/demo.md``).

``generate_business(size, seed=..., as_of=...)`` returns a canonical dataset; sizes are
the presets of :mod:`controltower.demo.sizes` or :func:`size_for_open_lines`.
"""

from controltower.demo.generator import STEPS, generate_business
from controltower.demo.sizes import PRESETS, BusinessSize, size_for_open_lines, size_named

__all__ = [
    "PRESETS",
    "STEPS",
    "BusinessSize",
    "generate_business",
    "size_for_open_lines",
    "size_named",
]
