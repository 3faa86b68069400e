"""One benchmark's section of ``docs/benchmarks.md``, replaced in place.

Several benchmarks write into the same file, each under its own ``## `` heading; a
rerun replaces its section alone and keeps the rest (and the marked stored-path section
``bench/stored.py`` keeps between its own markers).
"""

from __future__ import annotations


def splice(current: str, heading: str, section: str) -> str:
    """``current`` with the section under ``heading`` replaced by ``section`` (which
    starts with that heading), or with ``section`` appended when there is none."""
    start = current.find(f"\n{heading}\n")
    if start < 0:
        return current.rstrip("\n") + "\n\n" + section
    ends = [
        e for e in (current.find("\n## ", start + 1), current.find("\n<!-- ", start + 1)) if e >= 0
    ]
    rest = current[min(ends) + 1 :] if ends else ""
    return current[: start + 1] + section + ("\n" + rest if rest else "")
