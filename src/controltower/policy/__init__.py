"""The policy as data: schema, shipped defaults, evaluation."""

from controltower.policy.loader import load_policy
from controltower.policy.model import Policy

__all__ = ["Policy", "load_policy"]
