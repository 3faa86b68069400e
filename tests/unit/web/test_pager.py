"""A pager names the first, the last and the pages around the current one."""

from __future__ import annotations

from controltower.web.page_support import linker, pager_for


def test_a_pager_shows_the_ends_and_the_neighbourhood_with_gaps_between() -> None:
    shown = pager_for(total=1_234, number=7, size=50, offset=300, shown=50)
    assert (shown.first_row, shown.last_row, shown.last) == (301, 350, 25)
    assert shown.numbers == [
        ("1", 1),
        ("…", None),
        ("5", 5),
        ("6", 6),
        ("7", 7),
        ("8", 8),
        ("9", 9),
        ("…", None),
        ("25", 25),
    ]
    assert not shown.beyond_last


def test_a_page_past_the_end_is_known_as_such_and_an_empty_list_has_one_page() -> None:
    past = pager_for(total=190, number=98, size=100, offset=9_700, shown=0)
    assert past.beyond_last
    assert past.last == 2
    assert (past.first_row, past.last_row) == (0, 0)
    empty = pager_for(total=0, number=1, size=100, offset=0, shown=0)
    assert empty.last == 1
    assert not empty.beyond_last
    assert empty.numbers == [("1", 1)]


def test_links_keep_the_filters_and_go_back_to_the_first_page_when_they_change() -> None:
    link = linker("/orders", {"show": "all", "status": "short", "page": "3"})
    assert link(page=4) == "/orders?show=all&status=short&page=4"
    assert link(page=1) == "/orders?show=all&status=short"
    assert link(status=None) == "/orders?show=all"
    assert link(warehouse="MAN") == "/orders?show=all&status=short&warehouse=MAN"
