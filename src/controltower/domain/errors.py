"""Errors the core raises, each with a message a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the product raises on purpose."""


class IllegalTransitionError(DomainError):
    """A case (or request) was asked to move along a transition that is not declared."""


class PolicyError(DomainError):
    """The policy file is malformed or names something unknown."""


class DatasetConflictError(DomainError):
    """The picture contradicts itself: a repeated key, or a change naming a missing row."""
