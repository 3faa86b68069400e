"""A case's explanation read as two parts: what is wrong, and what to do next.

Every detector words its explanation the same way (``detectors/columnar/``, one
``explanation(...)`` per type): it opens with one sentence naming the subject and the
problem ("Pick PK7 in SHF ... has had no picker for 26.9 hours ..."), adds the evidence
in the sentences after it, and ends with the next steps introduced by ``Next:``
("Next: assign a picker in SHF."). Several steps follow one ``Next:``, separated by
semicolons. The stored text is all a work list has, so it is split on that wording
rather than re-derived:

- **what is wrong** is the first sentence of the text before ``Next:``. A sentence
  ends at a full stop followed by a space and a capital letter or a digit, outside
  parentheses (customer and supplier names are quoted in parentheses and may hold a
  full stop of their own: "(Smith & Sons Ltd. Leeds)").
- **the next step** is everything after the last `` Next: `` with its first letter
  capitalised ("Assign a picker in SHF."); None when the text has no ``Next:``. Its
  separate steps are split at the semicolons outside parentheses, each capitalised,
  the first being what to try first (``next_steps``).
"""

from __future__ import annotations

from typing import Final

#: how the detectors introduce the next steps at the end of an explanation
NEXT_MARKER: Final = " Next: "


def next_step(explanation: str) -> str | None:
    """What to do next, as the explanation's ``Next:`` says it (None when it says none)."""
    before, marker, steps = explanation.strip().rpartition(NEXT_MARKER)
    steps = steps.strip()
    if not marker or not before.strip() or not steps:
        return None
    return _capitalised(steps)


def next_steps(explanation: str) -> list[str]:
    """The next step split into its separate steps, in the order the explanation gives
    them, without their full stops (empty when it says none)."""
    steps = next_step(explanation)
    if steps is None:
        return []
    parts: list[str] = []
    depth, start = 0, 0
    for position, character in enumerate(steps):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(0, depth - 1)
        elif character == ";" and depth == 0:
            parts.append(steps[start:position])
            start = position + 1
    parts.append(steps[start:])
    steps_said = (part.strip().rstrip(".").strip() for part in parts)
    return [_capitalised(step) for step in steps_said if step]


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def what_is_wrong(explanation: str) -> str:
    """The first sentence of the explanation, without its next steps."""
    text = explanation.strip()
    before, marker, _ = text.rpartition(NEXT_MARKER)
    if marker and before.strip():
        text = before.strip()
    return first_sentence(text)


def first_sentence(text: str) -> str:
    """``text`` up to and with its first full stop that ends a sentence (see the module)."""
    depth = 0
    for position, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(0, depth - 1)
        elif character == "." and depth == 0 and _sentence_follows(text, position + 1):
            return text[: position + 1]
    return text


def _sentence_follows(text: str, position: int) -> bool:
    """A space, then a capital letter or a digit, from ``position``."""
    return (
        text[position : position + 1] == " "
        and len(text) > position + 1
        and (text[position + 1].isupper() or text[position + 1].isdigit())
    )
