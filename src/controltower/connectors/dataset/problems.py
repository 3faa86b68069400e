"""What is wrong with a dataset, said so a user can find and fix it.

A dataset is all or nothing: the reader collects every problem (file, physical line,
column, message) and raises them together, so one round of fixes can clear them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controltower.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class DatasetProblem:
    """One problem, located as precisely as it can be.

    ``line`` is the physical line of the file, the header being line 1 (``None`` when
    the problem is about the file as a whole, e.g. it is missing); ``column`` is ``None``
    when the problem is about a whole row or file.
    """

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        location = self.file
        if self.line is not None:
            location += f":{self.line}"
        if self.column is not None:
            location += f":{self.column}"
        return f"{location}: {self.message}"


class DatasetInvalidError(DomainError):
    """The dataset breaks the format; nothing of it may be used.

    ``problems`` holds the first problems in file order then line order (at most the
    reader's ``max_problems``), ``total`` how many there were in all, ``warnings`` the
    notes about ignored columns and files gathered before the reader gave up.
    """

    def __init__(
        self,
        problems: Sequence[DatasetProblem],
        total: int | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        self.warnings = list(warnings)
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem on its own line, what was left out, and the verdict."""
        lines = [str(problem) for problem in self.problems]
        left_out = self.total - len(self.problems)
        if left_out > 0:
            lines.append(f"... and {left_out} more")
        noun = "problem" if self.total == 1 else "problems"
        lines.append(f"{self.total} {noun}; nothing was imported.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def __reduce__(self) -> tuple[object, ...]:
        # Exceptions pickle through ``args``; rebuild from the parts instead.
        return (type(self), (self.problems, self.total, self.warnings))


class ProblemLog:
    """Collects problems as the reader meets them, keeping the first ``limit``.

    The reader visits files in format order and lines in file order, and checks a row's
    references while on that row, so arrival order already is the report order.
    """

    __slots__ = ("limit", "problems", "total")

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"max_problems must be 0 or more, not {limit}")
        self.limit = limit
        self.problems: list[DatasetProblem] = []
        self.total = 0

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(DatasetProblem(file, line, column, message))
