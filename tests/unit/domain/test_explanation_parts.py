"""A case's explanation read as what is wrong and what to do next."""

from __future__ import annotations

import pytest

from controltower.domain.explanation_parts import (
    first_sentence,
    next_step,
    next_steps,
    what_is_wrong,
)

#: worded by the detectors (copied from the demo's cases)
PICK = (
    "Pick PK100805 in SHF, created 2026-11-24 07:09, has had no picker for 26.9 hours "
    "(the policy allows 4 hours); order SO100744 for C00019 (Goole Schools Framework, "
    "strategic customer), promised 2026-11-24, worth 1,684.055, waits on it. "
    "Next: assign a picker in SHF."
)
ORDER = (
    "Order SO100523 for C00017 (Calder Valley Electrical Contractors Group, strategic "
    "customer), worth 1,059.16, promised 2026-12-08, is projected to ship 2026-11-25, on "
    "time (blockers: credit). Credit: account C00017 is on credit hold. All 3 lines are "
    "covered from stock in MAN; ships 2026-11-25 once credit is released, on time. "
    "Next: ask finance to review the credit block on C00017; agree a revised date with "
    "C00017 if none of this holds."
)
SHORTAGE = (
    "ACC-FS-WM-SCR-HX in LDS is short 15 units for 2 order line(s) (SO100860 line 3, "
    "SO101036 line 6) worth 71.40: no stock, quality-held stock or open purchase order is "
    "left for them. Customers: C00020 (Hull NHS Estates, key customer). Next: transfer "
    "from MAN (34 free, arrives 2026-11-26); transfer from SHF (4 free, arrives 2026-11-26)."
)


def test_what_is_wrong_is_the_first_sentence() -> None:
    assert what_is_wrong(ORDER) == (
        "Order SO100523 for C00017 (Calder Valley Electrical Contractors Group, strategic "
        "customer), worth 1,059.16, promised 2026-12-08, is projected to ship 2026-11-25, "
        "on time (blockers: credit)."
    )
    assert what_is_wrong(SHORTAGE).endswith("is left for them.")


def test_a_one_sentence_explanation_is_wrong_without_its_next_steps() -> None:
    assert what_is_wrong(PICK) == PICK.removesuffix(" Next: assign a picker in SHF.")


def test_the_next_step_is_what_follows_next_capitalised() -> None:
    assert next_step(PICK) == "Assign a picker in SHF."
    assert next_step(ORDER) == (
        "Ask finance to review the credit block on C00017; agree a revised date with "
        "C00017 if none of this holds."
    )


def test_next_steps_split_at_semicolons_outside_parentheses() -> None:
    assert next_steps(ORDER) == [
        "Ask finance to review the credit block on C00017",
        "Agree a revised date with C00017 if none of this holds",
    ]
    assert next_steps(SHORTAGE) == [
        "Transfer from MAN (34 free, arrives 2026-11-26)",
        "Transfer from SHF (4 free, arrives 2026-11-26)",
    ]
    assert next_steps("Late. Next: call (ask for A; or B) today.") == [
        "Call (ask for A; or B) today"
    ]


@pytest.mark.parametrize(
    "text",
    ["Something is wrong.", "Next: do it.", "Something is wrong. Next:   "],
)
def test_an_explanation_without_a_next_step_has_none(text: str) -> None:
    assert next_step(text) is None
    assert next_steps(text) == []


def test_the_last_next_marker_introduces_the_steps() -> None:
    text = "Supplier says Next: week is fine. It is not. Next: chase it."
    assert next_step(text) == "Chase it."
    assert what_is_wrong(text) == "Supplier says Next: week is fine."


def test_a_full_stop_inside_parentheses_or_a_number_ends_no_sentence() -> None:
    text = "C1 (Smith & Sons Ltd. Leeds) owes 1,204.50 on INV9. It is 3 days late."
    assert first_sentence(text) == "C1 (Smith & Sons Ltd. Leeds) owes 1,204.50 on INV9."


def test_a_full_stop_before_lower_case_ends_no_sentence() -> None:
    assert first_sentence("Approx. ten units are held. More later.") == (
        "Approx. ten units are held."
    )
    assert first_sentence("No full stop at all") == "No full stop at all"
