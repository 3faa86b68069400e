"""The policy a long-running process (the web app) works with, read once per change.

The defaults, overlaid by the file ``CONTROLTOWER_POLICY_FILE`` names, as every command
reads it. The server asks for it on each request that needs it (a preview, an approval
rule, an escalation ladder); the parsed policy is kept and read again only when the
file's modification time changes, so editing the file takes effect without a restart
and without re-reading it on every request.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Final

from controltower.policy.loader import load_policy
from controltower.policy.model import Policy

#: the environment variable naming the policy file (``Settings.policy_file``)
POLICY_FILE_VARIABLE: Final = "CONTROLTOWER_POLICY_FILE"


def policy_in_force() -> Policy:
    """The defaults, overlaid by the file ``CONTROLTOWER_POLICY_FILE`` names (read again
    when the file changes); a file that cannot be used raises as ``load_policy`` does."""
    named = os.environ.get(POLICY_FILE_VARIABLE, "").strip()
    if not named:
        return _policy_of(None, 0)
    path = Path(named)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0  # load_policy says what is wrong with the file
    return _policy_of(path, stamp)


@lru_cache(maxsize=4)
def _policy_of(path: Path | None, _stamp: int) -> Policy:
    return load_policy(path)
