"""The fractions of a second of picks' times, read by ``import`` beside the columns.

``created_at_microseconds`` answers None at once when no time in ``picks.csv`` has a
fraction of a second, whatever dots other columns hold (a login such as
``mo.obrien``), and otherwise reads each pick's fraction, lined up with the picks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from controltower.connectors.dataset.column_fit import created_at_microseconds

HEADER = "pick_id,order_id,warehouse,created_at,assigned_to,status\n"
START = datetime(2026, 11, 24, 8, 30)

#: logins full of dots and digits, never a time's seconds followed by a fraction
logins = st.text(alphabet="abz.019", max_size=12)


def write_picks(folder: Path, moments: list[str], people: list[str]) -> list[str]:
    ids = [f"PK{n}" for n in range(len(moments))]
    lines = [
        f"{pick},SO1,WH,{moment},{person},open\n"
        for pick, moment, person in zip(ids, moments, people, strict=True)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "picks.csv").write_text(HEADER + "".join(lines), encoding="utf-8")
    return ids


@given(
    seconds=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
    people=st.data(),
)
def test_whole_seconds_are_told_at_once_whatever_dots_other_columns_hold(
    tmp_path_factory: pytest.TempPathFactory, seconds: list[int], people: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("picks")
    moments = [(START + timedelta(seconds=s)).isoformat(sep="T") for s in seconds]
    who = people.draw(st.lists(logins, min_size=len(moments), max_size=len(moments)))
    ids = write_picks(folder, moments, who)
    assert created_at_microseconds(folder, np.array(ids, dtype=object)) is None
    # told from the bytes alone: the rows are not read, so not even matched to the picks
    others = np.array([f"X{pick}" for pick in ids], dtype=object)
    assert created_at_microseconds(folder, others) is None


@given(
    micros=st.lists(st.integers(0, 999_999), min_size=1, max_size=20).filter(any),
    written=st.sampled_from(["T", " "]),
)
def test_fractions_of_a_second_are_read_for_every_pick(
    tmp_path_factory: pytest.TempPathFactory, micros: list[int], written: str
) -> None:
    folder = tmp_path_factory.mktemp("picks")
    moments = [
        (START + timedelta(minutes=n, microseconds=m)).isoformat(sep=written)
        for n, m in enumerate(micros)
    ]
    ids = write_picks(folder, moments, ["mo.obrien"] * len(micros))
    found = created_at_microseconds(folder, np.array(ids, dtype=object))
    assert found is not None
    assert found.tolist() == micros
