"""The small integer codes the kernel writes into its result arrays.

The result holds peg kinds, blocker bits, statuses and allocations as ``int8`` codes
rather than enum members, so that every order and line is one array element. The
detectors and the scan writer read the same codes, so they are defined in one place.
"""

from __future__ import annotations

from typing import Final

import numpy as np

#: the kinds of future supply a peg takes from (``peg_kind``)
SOURCE_HELD: Final = 1
SOURCE_INBOUND: Final = 2

#: bit ``i`` of an order's blocker mask is ``BLOCKER_ORDER[i]`` of ``domain.analysis``
BLOCKER_CREDIT: Final = 1
BLOCKER_NO_SUPPLY: Final = 2
BLOCKER_QUALITY: Final = 4
BLOCKER_INBOUND: Final = 8
BLOCKER_CAPACITY: Final = 16
#: status code ``i < 5`` is the status of blocker bit ``i``; 5 is ``fully_allocated``
STATUS_FULLY_ALLOCATED: Final = 5
ALLOCATION_FULL: Final = 0
ALLOCATION_PARTIAL: Final = 1
ALLOCATION_NONE: Final = 2

#: the status of every blocker mask: its lowest bit, or fully allocated when none
STATUS_OF_BLOCKERS: Final = np.array(
    [STATUS_FULLY_ALLOCATED, *((m & -m).bit_length() - 1 for m in range(1, 32))],
    dtype=np.int8,
)
