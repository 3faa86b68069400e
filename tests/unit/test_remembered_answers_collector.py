"""A large remembered answer is moved out of the cycle collector's sight once kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from controltower.storage.queries import memory


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    memory.forget_remembered()
    gc.unfreeze()
    yield
    memory.forget_remembered()
    gc.unfreeze()


def test_a_large_answer_is_frozen_with_everything_alive() -> None:
    answer = [(index, f"cause {index}") for index in range(memory.FREEZE_FROM)]

    kept = memory.remembered(("v", 1), "ranking", lambda: answer)

    assert kept is answer
    assert gc.get_freeze_count() > 0
    assert memory.recall(("v", 1), "ranking") is answer


def test_a_small_answer_leaves_the_collector_alone() -> None:
    memory.remembered(("v", 1), "count", lambda: [1, 2, 3])

    assert gc.get_freeze_count() == 0


def test_garbage_cycles_are_collected_before_the_freeze() -> None:
    """A cycle that is already garbage when a large answer is kept is freed, not frozen."""

    class Node:
        partner: object = None

    first, second = Node(), Node()
    first.partner, second.partner = second, first
    gone = weakref.ref(first)
    del first, second
    memory.keep(("v", 2), "ranking", list(range(memory.FREEZE_FROM)))

    assert gone() is None


def test_a_frozen_answer_is_freed_when_forgotten() -> None:
    class Answer(list[int]):
        pass

    answer = Answer(range(memory.FREEZE_FROM))
    seen = weakref.ref(answer)
    memory.keep(("v", 3), "ranking", answer)
    del answer
    memory.forget_remembered()

    assert seen() is None
