"""``controltower policy replay FILE --from D1 --to D2``: judge a policy before it goes live.

Runs the policy in FILE and the policy in force over the stored case history of the
period (``workflow/policy_replay.py`` states what is counted) and prints, per exception
type, per team and per person, how many cases, notifications and escalations each would
have raised, side by side. Nothing is written. ``--json`` prints the same as JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from controltower.cli.console import database_problems, output_console, policy_or_exit
from controltower.cli.options import DatabaseUrlOption, resolve_settings, usage_error

if TYPE_CHECKING:
    from controltower.workflow.policy_replay import Replay, Tally

#: the longest period replayed at once
MAX_DAYS = 366


def replay_policy(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Policy TOML file to replay.", show_default=False),
    ],
    from_day: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="First day of the period.")
    ],
    to_day: Annotated[
        str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day of the period.")
    ],
    company: Annotated[
        str | None,
        typer.Option("--company", metavar="CODE", help="Only this company's cases."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Replay FILE and the policy in force over the cases opened from --from to --to.

    Per exception type, team and person: the cases, notifications and escalations each
    policy would have raised. Nothing is written.
    """
    first, last = _day(from_day, "--from"), _day(to_day, "--to")
    if first > last:
        usage_error(f"--from {first.isoformat()} is after --to {last.isoformat()}")
    if (last - first).days >= MAX_DAYS:
        usage_error(f"a replay covers at most {MAX_DAYS} days; shorten --from/--to")
    candidate = policy_or_exit(file)
    in_force = policy_or_exit(None)
    start = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    current, replayed, occurrences = _replays(
        database_url, company, start, end, in_force, candidate
    )
    if as_json:
        typer.echo(json.dumps(_document(first, last, occurrences, current, replayed), indent=2))
        return
    _print_tables(file, first, last, occurrences, current, replayed)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        usage_error(f"{option}: {text!r} is not a date; write it as YYYY-MM-DD")


def _replays(
    database_url: str | None,
    company: str | None,
    start: datetime,
    end: datetime,
    in_force: Any,
    candidate: Any,
) -> tuple[Replay, Replay, int]:
    from controltower.storage.database import (
        ensure_schema_current,
        make_engine,
        make_session_factory,
    )
    from controltower.storage.replay_history import people_to_tell, replay_history
    from controltower.storage.repository import picture_summary
    from controltower.workflow.policy_replay import replay

    url = resolve_settings(database_url=database_url).database_url
    with database_problems(url):
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                ensure_schema_current(engine)
                companies = sorted({c for s in picture_summary(session) for c in s.companies})
                if company is not None:
                    if company not in companies:
                        usage_error(
                            f"--company: no company {company!r} is stored; the stored ones are "
                            + (", ".join(companies) or "none")
                        )
                    companies = [company]
                history = replay_history(session, companies, start=start, end=end)
                people = people_to_tell(session)
        finally:
            engine.dispose()
    until = min(end, datetime.now(UTC))
    current = replay(history, in_force, people, until=until)
    replayed = replay(history, candidate, people, until=until)
    return current, replayed, len(history)


def _columns(tally: Tally | None) -> tuple[int, int, int]:
    if tally is None:
        return (0, 0, 0)
    return (tally.cases, tally.notifications, tally.escalations)


def _rows(
    current: dict[str, Tally], replayed: dict[str, Tally]
) -> list[tuple[str, tuple[int, ...]]]:
    keys = sorted(set(current) | set(replayed))
    return [(key, _columns(current.get(key)) + _columns(replayed.get(key))) for key in keys]


def _document(
    first: date, last: date, occurrences: int, current: Replay, replayed: Replay
) -> dict[str, Any]:
    def part(by: str) -> list[dict[str, Any]]:
        return [
            {
                by: key,
                "in_force": {"cases": c[0], "notifications": c[1], "escalations": c[2]},
                "replayed": {"cases": c[3], "notifications": c[4], "escalations": c[5]},
            }
            for key, c in _rows(getattr(current, f"by_{by}"), getattr(replayed, f"by_{by}"))
        ]

    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "occurrences": occurrences,
        "totals": {
            "in_force": dict(
                zip(
                    ("cases", "notifications", "escalations"),
                    _columns(current.total()),
                    strict=True,
                )
            ),
            "replayed": dict(
                zip(
                    ("cases", "notifications", "escalations"),
                    _columns(replayed.total()),
                    strict=True,
                )
            ),
        },
        "by_type": part("type"),
        "by_team": part("team"),
        "by_person": part("person"),
        "unroutable": {"in_force": dict(current.unroutable), "replayed": dict(replayed.unroutable)},
    }


def _print_tables(
    file: Path, first: date, last: date, occurrences: int, current: Replay, replayed: Replay
) -> None:
    console = output_console()
    console.print(
        f"Replayed {file} beside the policy in force on {occurrences:,} case openings "
        f"from {first.isoformat()} to {last.isoformat()} (nothing was written).",
        markup=False,
    )
    for title, by in (("By exception type", "type"), ("By team", "team"), ("By person", "person")):
        rows = _rows(getattr(current, f"by_{by}"), getattr(replayed, f"by_{by}"))
        table = Table(title=title, title_justify="left")
        table.add_column(by.capitalize())
        for name in ("Cases", "Notifications", "Escalations"):
            table.add_column(f"{name}\nin force → replayed", justify="right")
        for key, c in rows:
            table.add_row(key, *(_change(c[i], c[i + 3]) for i in range(3)))
        if not rows:
            table.add_row("(none)", "", "", "")
        console.print(table)
    for label, tally in (("policy in force", current), ("replayed policy", replayed)):
        if tally.unroutable:
            lost = ", ".join(f"{t} ({n})" for t, n in sorted(tally.unroutable.items()))
            console.print(f"Warning: the {label} routes no team for {lost}.", markup=False)


def _change(before: int, after: int) -> str:
    if before == after:
        return f"{before:,}"
    return f"{before:,} → {after:,} ({after - before:+,})"
