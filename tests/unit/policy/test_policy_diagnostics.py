"""What is wrong with a policy file, in plain words, at the line of its key."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from controltower.domain.errors import PolicyError
from controltower.policy import Policy, load_policy
from controltower.policy.diagnostics import KeyPath, PolicyInvalidError, key_lines
from controltower.policy.loader import check_policy_file, default_policy_text
from controltower.policy.toml_writer import policy_as_toml


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "policy.toml"
    path.write_text(text, "utf-8")
    return [str(problem).replace(str(path), "policy.toml") for problem in check_policy_file(path)]


RULES_WITH_A_BAD_SECOND_ENTRY = """\
[[routing.rules]]
type = "credit_hold"
team = "credit_control"

[[routing.rules]]
warehouse = "WH-1"
min_severity = "urgent"
team = "west"

[[routing.rules]]
warehouse = "WH-2"
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[sla.response_hours]\nhigh = "soon"\n',
            ['policy.toml:2: sla.response_hours.high: must be a number of hours, got "soon"'],
            id="wrong type",
        ),
        pytest.param(
            "[routing.teams]\ncredit_hold = 5\n",
            ["policy.toml:2: routing.teams.credit_hold: must be text in quotes, got 5"],
            id="text expected",
        ),
        pytest.param(
            "[lifecycle]\nclear_after_minutes = 1.5\n",
            [
                "policy.toml:2: lifecycle.clear_after_minutes: "
                "must be a whole number of minutes, got 1.5"
            ],
            id="whole number expected",
        ),
        pytest.param(
            '[detectors.order_at_risk]\nenabled = "maybe"\n',
            ['policy.toml:2: detectors.order_at_risk.enabled: must be true or false, got "maybe"'],
            id="true or false expected",
        ),
        pytest.param(
            '[clock]\nbusiness_day_start = "8am"\n',
            [
                "policy.toml:2: clock.business_day_start: "
                'must be a time of day such as "08:00", got "8am"'
            ],
            id="time of day expected",
        ),
        pytest.param(
            "allocation = 5\n",
            ["policy.toml:1: allocation: must be a table, got 5"],
            id="table expected",
        ),
        pytest.param(
            "# tuned\n[detectors.stock_shortage]\nenabld = true\n",
            [
                "policy.toml:3: detectors.stock_shortage.enabld: "
                'unknown setting (did you mean "enabled"?)'
            ],
            id="unknown key with a suggestion",
        ),
        pytest.param(
            "[detectors.order_at_risk]\nzzz = 1\n",
            [
                "policy.toml:2: detectors.order_at_risk.zzz: unknown setting; the settings "
                "here are: enabled, min_value_at_risk, days_late_escalation"
            ],
            id="unknown key without a near miss",
        ),
        pytest.param(
            "[sla.by_type.order_at_rsk]\nhigh = 1\n",
            [
                "policy.toml:1: sla.by_type.order_at_rsk: "
                'unknown exception type (did you mean "order_at_risk"?)'
            ],
            id="unknown table of a type",
        ),
        pytest.param(
            '[[routing.rules]]\ncustomer_tier = "gold"\nteam = "x"\n',
            [
                "policy.toml:2: routing.rules[1].customer_tier: "
                'must be one of strategic, key, standard; got "gold"'
            ],
            id="bad enum value",
        ),
        pytest.param(
            '[clock]\nbusiness_days = ["mon",\n  "fun"]\n',
            ['policy.toml:3: clock.business_days[2]: unknown value "fun" (did you mean "sun"?)'],
            id="bad enum value in a list, on its own line",
        ),
        pytest.param(
            "[lifecycle]\nclear_after_scans = 0\n",
            ["policy.toml:2: lifecycle.clear_after_scans: must be at least 1, got 0"],
            id="out of range",
        ),
        pytest.param(
            "[detectors.picking_bottleneck]\nbacklog_days = 0\n",
            [
                "policy.toml:2: detectors.picking_bottleneck.backlog_days: "
                "must be more than 0, got 0"
            ],
            id="out of range, strictly",
        ),
        pytest.param(
            "[detectors.severity_by_value]\nmedium = 20000\n",
            ["policy.toml:1: detectors.severity_by_value: needs medium <= high <= critical"],
            id="validator error",
        ),
        pytest.param(
            "[allocation]\nquality_release_days = \n",
            ["policy.toml:2: not valid TOML: invalid value (column 24)"],
            id="TOML syntax error",
        ),
        pytest.param(
            "[allocation]\nquality_release_days = 1\nquality_release_days = 2\n",
            ["policy.toml:3: not valid TOML: cannot overwrite a value (column 25)"],
            id="TOML key given twice",
        ),
        pytest.param(
            RULES_WITH_A_BAD_SECOND_ENTRY,
            [
                "policy.toml:7: routing.rules[2].min_severity: "
                'must be one of low, medium, high, critical; got "urgent"',
                "policy.toml:10: routing.rules[3]: "
                "a routing rule needs exactly one of 'team' or 'owner'",
            ],
            id="array of tables: the entry's own line",
        ),
        pytest.param(
            'sla.response_hours = { high = "soon" }\n'
            "detectors.order_at_risk.days_late_escalation = 0\n",
            [
                'policy.toml:1: sla.response_hours.high: must be a number of hours, got "soon"',
                "policy.toml:2: detectors.order_at_risk.days_late_escalation: "
                "must be at least 1, got 0",
            ],
            id="inline table and dotted key",
        ),
        pytest.param(
            "[foo]\n",
            [
                "policy.toml:1: foo: unknown section; the sections are: "
                + ", ".join(Policy.model_fields)
            ],
            id="unknown section",
        ),
    ],
)
def test_each_problem_is_one_line_at_the_line_of_its_key(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert _problems(tmp_path, text) == expected


def test_business_day_start_after_its_end_points_at_the_clock_table(tmp_path: Path) -> None:
    text = '[allocation]\nquality_release_days = 1\n[clock]\nbusiness_day_start = "18:00"\n'
    text += 'business_day_end = "08:00"\n'
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith("policy.toml:3: clock: ")
    assert "business_day_start" in problem
    assert "before" in problem


def test_every_problem_of_the_file_is_reported_in_the_order_of_the_file(tmp_path: Path) -> None:
    text = """\
[routing.teams]
order_at_risk = 7
[detectors.stock_shortage]
enabld = true
[lifecycle]
clear_after_scans = 0
[allocation]
overdue_days_block = "a month"
"""
    problems = _problems(tmp_path, text)
    assert [line.split(":")[1] for line in problems] == ["2", "4", "6", "8"]
    assert [line.split(": ")[1] for line in problems] == [
        "routing.teams.order_at_risk",
        "detectors.stock_shortage.enabld",
        "lifecycle.clear_after_scans",
        "allocation.overdue_days_block",
    ]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda folder: folder / "none.toml", "policy file not found", id="missing"),
        pytest.param(lambda folder: folder, "a folder, not a policy file", id="a folder"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem_without_a_line(
    tmp_path: Path, make: Callable[[Path], Path], expected: str
) -> None:
    path = make(tmp_path)
    (problem,) = check_policy_file(path)
    assert str(problem) == f"{path}: {expected}"
    assert problem.line is None


def test_a_file_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[routing.teams]\ncredit_hold = "cr\xe9dit"\n')
    (problem,) = check_policy_file(path)
    assert str(problem).startswith(f"{path}: not UTF-8 text")


def test_load_policy_refuses_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[lifecycle]\nclear_after_scans = 0\nreopen_window_days = -1\n", "utf-8")
    with pytest.raises(PolicyInvalidError) as refused:
        load_policy(path)
    assert isinstance(refused.value, PolicyError)
    assert [problem.line for problem in refused.value.problems] == [2, 3]
    assert f"{path}:2: lifecycle.clear_after_scans" in str(refused.value)


def test_a_valid_file_has_no_problems(tmp_path: Path) -> None:
    assert _problems(tmp_path, "[lifecycle]\nclear_after_scans = 3\n") == []
    assert _problems(tmp_path, default_policy_text()) == []


# --- the line index ----------------------------------------------------------------------

TOML = r'''# a comment [not.a.table]
a.b = 1 # x = 2
"q.k".'r' = "s#[x]\""
[t]  # comment
x = """multi
line ] } " = [
"""
y = [1,
  {m = 1, n = {o = 2}},
  [3, 4]]
z = { p.q = 1, "r s" = 'x' }
[[arr]]
k = 1
[[arr]]
k = 2
[arr.sub]
v = 1
[[arr.subs]]
w = 1
[[arr.subs]]
w = 2
[[arr]]
k = """
k2 = 3
"""""
last = 1
'''


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("a",), 2),
        (("a", "b"), 2),
        (("q.k", "r"), 3),
        (("t",), 4),
        (("t", "x"), 5),
        (("t", "y"), 8),
        (("t", "y", 0), 8),
        (("t", "y", 1, "n", "o"), 9),
        (("t", "y", 2, 1), 10),
        (("t", "z", "p", "q"), 11),
        (("t", "z", "r s"), 11),
        (("arr", 0), 12),
        (("arr", 0, "k"), 13),
        (("arr", 1), 14),
        (("arr", 1, "sub", "v"), 17),
        (("arr", 1, "subs", 1), 20),
        (("arr", 1, "subs", 1, "w"), 21),
        (("arr", 2), 22),
        (("arr", 2, "last"), 26),
    ],
)
def test_the_line_index_follows_every_kind_of_toml_key(path: KeyPath, line: int) -> None:
    tomllib.loads(TOML)  # the index is only ever built over valid TOML
    assert key_lines(TOML)[path] == line


def test_the_line_index_knows_no_key_the_text_does_not_give() -> None:
    lines = key_lines(TOML)
    assert ("not",) not in lines
    assert ("t", "line") not in lines
    assert ("arr", 2, "k2") not in lines
    assert ("arr", 3) not in lines


# --- the policy written back --------------------------------------------------------------


def test_the_policy_written_back_reads_as_the_same_policy(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[routing.rules]]\ntype = "order_at_risk"\nteam = "key \\"accounts\\"\\u007f"\n'
        '[[routing.rules]]\nmin_value_at_risk = 50000.5\nowner = "west"\n'
        "[detectors.pricing_variance]\ntolerance_pct = 2.5\n"
        '[sla.by_type.order_at_risk]\nhigh = 3\n[clock]\nbusiness_day_start = "07:30"\n',
        "utf-8",
    )
    policy = load_policy(path)
    text = policy_as_toml(
        policy, header="test", settings=tomllib.loads(path.read_text("utf-8")), file_name="m"
    )
    assert Policy.model_validate(tomllib.loads(text)) == policy
    assert "tolerance_pct = 2.5  # from m\n" in text
    assert "[[routing.rules]]  # from m\n" in text
    assert "high = 4  # default\n" in text
