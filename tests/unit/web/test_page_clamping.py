"""A page number past the end reads the last page instead, and says so; a value a page
cannot read is named with its parameter and what it takes."""

from __future__ import annotations

from controltower.storage.queries import OrderSort
from controltower.web.order_query import SORT_LABELS
from controltower.web.page_support import QueryReading, last_page, pager_for, within_last

ROWS = list(range(1, 191))  # 190 rows, 50 a page: pages 1 to 4


def read(number: int) -> tuple[int, list[int]]:
    """Page ``number`` of :data:`ROWS` and the total, as a list query answers."""
    return len(ROWS), ROWS[(number - 1) * 50 : number * 50]


def test_a_page_within_the_list_is_read_once_and_as_asked() -> None:
    asked: list[int] = []

    def reading(number: int) -> tuple[int, list[int]]:
        asked.append(number)
        return read(number)

    (total, rows), past = within_last(3, reading, lambda found: last_page(found[0], 50))
    assert (total, rows[0], past, asked) == (190, 101, None, [3])


def test_a_page_past_the_end_is_the_last_page_with_a_note() -> None:
    (total, rows), past = within_last(99, read, lambda found: last_page(found[0], 50))
    assert rows == ROWS[150:]
    assert past == 99
    pager = pager_for(total=total, number=4, size=50, offset=150, shown=len(rows), asked=past)
    assert pager.past_end == "Page 99 is past the end: showing page 4 of 4."
    assert (pager.first_row, pager.last_row, pager.beyond_last) == (151, 190, False)
    assert pager_for(total=total, number=2, size=50, offset=50, shown=50).past_end is None


def test_an_empty_list_has_one_page_and_any_page_past_it_shows_it() -> None:
    assert last_page(0, 50) == 1

    def empty(number: int) -> tuple[int, list[int]]:
        nothing: list[int] = []
        return 0, nothing[(number - 1) * 50 : number * 50]

    (total, rows), past = within_last(5, empty, lambda found: last_page(found[0], 50))
    assert (total, rows, past) == (0, [], 5)


def test_a_value_not_understood_names_its_parameter_and_the_values_it_takes() -> None:
    reading = QueryReading()
    assert reading.choice(OrderSort, "colour", "sort order", SORT_LABELS, parameter="sort") is None
    assert reading.page_number("-1") == 1
    assert reading.page_number("two", "orders_page") == 1
    assert reading.page_number("3") == 3
    assert reading.flag("maybe", "overdue", parameter="overdue") is None
    assert reading.one_of("bogus", {"at_risk": 1, "all": 2}, "list", parameter="show") is None
    assert reading.problems == [
        "sort: “colour” is not a sort order; the choices are Most urgent first (urgency), "
        "Latest first (days_late), Most valuable first (value), Promised soonest first "
        "(promised_date), By order number (order_id), By customer (customer), "
        "By warehouse (warehouse).",
        "page: “-1” is not a page number; showing the first page. Pages are numbered from 1.",
        "orders_page: “two” is not a page number; showing the first page. "
        "Pages are numbered from 1.",
        "overdue: “maybe” is not a choice for overdue; use yes or no.",
        "show: There is no list “bogus”; the choices are at_risk, all.",
    ]
