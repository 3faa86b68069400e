"""Docs as tests: every CLI command and policy section is documented, the dataset format
matches its declarative table, and the docs stand alone (no link leaves the repository)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import typer
from typer.testing import CliRunner

from controltower.cli.main import app
from controltower.connectors.dataset import read_dataset
from controltower.connectors.dataset.column_fit import LARGEST_AMOUNT
from controltower.connectors.dataset.columns import FILES, Column, FileSpec
from controltower.connectors.dataset.manifest import MANIFEST_VERSION, check_folder
from controltower.connectors.dataset.values import (
    INT32_MAX,
    MAX_DAYS,
    NO_DATE,
    Boolean,
    Choice,
    DateOrDateTime,
    DecimalNumber,
    IsoDate,
    Text,
    ValueType,
    WholeNumber,
)
from controltower.domain.model import FIRST_DATE, LAST_DATE
from controltower.policy import load_policy

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _command_paths(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    paths: list[str] = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append(f"{prefix}{name}".strip())
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        paths.extend(_command_paths(group.typer_instance, f"{prefix}{group.name} "))
    return paths


def test_every_cli_command_has_a_section_in_the_cli_reference() -> None:
    reference = (DOCS / "cli.md").read_text("utf-8")
    missing = [p for p in _command_paths(app) if f"## `controltower {p}`" not in reference]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


def test_every_policy_section_is_documented() -> None:
    reference = (DOCS / "policy.md").read_text("utf-8")
    sections = type(load_policy()).model_fields
    missing = [name for name in sections if f"[{name}]" not in reference]
    assert not missing, f"undocumented policy sections in docs/policy.md: {missing}"


# --- the dataset format (docs/dataset-format.md) against the declarative table -----------

ROOT = DOCS.parent
DATASET_FORMAT = DOCS / "dataset-format.md"
#: what no doc, source file or help text may name: documents outside this repository
OUTSIDE_NAMES = ("data-format.md", "../shared")


def _format_sections() -> dict[str, str]:
    """Each ``### `name.csv` `` section of docs/dataset-format.md, by file name."""
    text = DATASET_FORMAT.read_text("utf-8")
    parts = re.split(r"^### `([a-z_]+\.csv)`\n", text, flags=re.MULTILINE)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    return {
        name: re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]
        for name, body in sections.items()
    }


def _table_rows(section: str) -> dict[str, list[str]]:
    """The rows of the section's column table, by column name: [type, required, rules]."""
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def _csv_example(section: str) -> str:
    found = re.search(r"^```csv\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    assert found is not None, "no ```csv example"
    return found.group(1)


def _type_word(value_type: ValueType) -> str:
    """How docs/dataset-format.md names a value type."""
    if isinstance(value_type, Text):
        return "text" if value_type.free_text else "code"
    if isinstance(value_type, DecimalNumber):
        return "signed decimal" if value_type.allow_negative else "decimal"
    words = {
        WholeNumber: "whole number",
        IsoDate: "date",
        DateOrDateTime: "date or datetime",
        Boolean: "boolean",
        Choice: "choice",
    }
    return words[type(value_type)]


def _column_problems(column: Column, row: list[str] | None) -> list[str]:
    """What the doc's row gets wrong about ``column`` (empty when nothing)."""
    if row is None:
        return ["missing"]
    type_word, required, rules = row
    problems = []
    if type_word != _type_word(column.type):
        problems.append(f"type {type_word!r}, not {_type_word(column.type)!r}")
    if required != ("yes" if column.required else "no"):
        problems.append(f"required {required!r}")
    value_type = column.type
    expected: list[str] = []
    if isinstance(value_type, Choice):
        expected += [f"`{member.value}`" for member in value_type.enumeration]
    if isinstance(value_type, WholeNumber):
        expected.append(f"{value_type.minimum:,} to {value_type.maximum:,}")
    if not column.required:
        expected.append("blank: ")
        if column.default is not None:
            expected.append(f"blank: `{value_type.format(column.default)}`")
    expected += [f"`{text}` reads as blank" for text in value_type.blank_texts]
    problems += [f"does not say {phrase!r}" for phrase in expected if phrase not in rules]
    return problems


def _facts(section: str) -> dict[str, str]:
    """The section's ``- **fact:** value`` bullets."""
    return dict(re.findall(r"^- \*\*(\w+):\*\* (.+)$", section, flags=re.MULTILINE))


def _references(spec: FileSpec) -> str:
    if not spec.references:
        return "none"
    parts = []
    for reference in spec.references:
        columns = ", ".join(f"`{column}`" for column in reference.columns)
        columns = f"({columns})" if len(reference.columns) > 1 else columns
        parts.append(f"{columns} → `{reference.target}`")
    return "; ".join(parts)


def test_the_dataset_format_names_every_file_and_column_of_the_format_table() -> None:
    sections = _format_sections()
    assert list(sections) == [spec.name for spec in FILES], "files missing or out of order"
    text = DATASET_FORMAT.read_text("utf-8")
    problems: list[str] = []
    for spec in FILES:
        key = ", ".join(f"`{column}`" for column in spec.key)
        required = "yes" if spec.required else "no"
        if f"| `{spec.name}` | {required} |" not in text or f"| {key} |" not in text:
            problems.append(f"{spec.name}: its row of the folder table")
        section = sections[spec.name]
        expected_facts = {
            "file": "required" if spec.required else "optional",
            "key": key,
            "references": _references(spec),
        }
        facts = _facts(section)
        problems += [
            f"{spec.name}: {fact} is {facts.get(fact)!r}, not {value!r}"
            for fact, value in expected_facts.items()
            if facts.get(fact) != value
        ]
        rows = _table_rows(section)
        names = [column.name for column in spec.columns]
        if list(rows) != names:
            problems.append(f"{spec.name}: columns {list(rows)}, not {names}")
        for column in spec.columns:
            problems += [
                f"{spec.name}.{column.name}: {problem}"
                for problem in _column_problems(column, rows.get(column.name))
            ]
        header = _csv_example(section).splitlines()[0]
        if header != ",".join(names):
            problems.append(f"{spec.name}: example header {header!r}")
    assert not problems, "docs/dataset-format.md drifted from columns.py:\n" + "\n".join(problems)


def test_the_dataset_format_examples_are_one_valid_dataset(tmp_path: Path) -> None:
    for name, section in _format_sections().items():
        (tmp_path / name).write_text(_csv_example(section), encoding="utf-8")
    result = read_dataset(tmp_path)
    assert result.warnings == []
    assert check_folder(tmp_path).warnings == []
    empty = [name for name, rows in result.dataset.collections() if not rows]
    assert not empty, f"files of the example with no row: {empty}"


def test_the_dataset_format_states_the_value_ranges() -> None:
    text = DATASET_FORMAT.read_text("utf-8")
    stated = [
        f"{FIRST_DATE} to {LAST_DATE}",
        f"1 to {INT32_MAX:,}",
        f"0 to {MAX_DAYS:,}",
        "six decimals",
        f"{LARGEST_AMOUNT:,}",
        f"`{NO_DATE}`",
        "[scan-json.md](scan-json.md)",
        "`manifest.json`",
        f'"version": {MANIFEST_VERSION}',
    ]
    missing = [phrase for phrase in stated if phrase not in text]
    assert not missing, f"docs/dataset-format.md does not state: {missing}"


# --- the docs stand alone --------------------------------------------------------------


def _text_files(folder: Path) -> Iterator[Path]:
    """The files of ``folder`` that are text (build and cache folders left out)."""
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(
            part == "__pycache__" or part.endswith(".egg-info") for part in parts
        ):
            try:
                path.read_text("utf-8")
            except UnicodeDecodeError:
                continue
            yield path


def _help_texts() -> dict[str, str]:
    """Every command's ``--help``, as one line of plain words."""
    runner = CliRunner()
    texts: dict[str, str] = {}
    for path in ["", *_command_paths(app)]:
        result = runner.invoke(app, [*path.split(), "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        texts[path or "controltower"] = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    return texts


def test_nothing_refers_to_documents_outside_the_repository() -> None:
    files = [ROOT / "README.md", *_text_files(DOCS), *_text_files(ROOT / "src")]
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in OUTSIDE_NAMES
        if name in path.read_text("utf-8")
    ]
    helps = _help_texts()
    found += [
        f"{command} --help: {name}"
        for command, text in helps.items()
        for name in OUTSIDE_NAMES
        if name in text
    ]
    assert not found, "references to documents outside the repository:\n" + "\n".join(found)
    assert "(see docs/dataset-format.md)" in helps["import"]


_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _anchors(markdown: str) -> set[str]:
    """The anchors of a markdown file's headings, as the repository host makes them."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", _FENCED.sub("", markdown), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchor, number = slug, 0
        while anchor in anchors:
            number += 1
            anchor = f"{slug}-{number}"
        anchors.add(anchor)
    return anchors


def _broken_links(path: Path) -> Iterator[str]:
    markdown = path.read_text("utf-8")
    prose = _CODE_SPAN.sub("", _FENCED.sub("", markdown))
    for target in _LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # a URL (http://127.0.0.1:8000), not a file
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(ROOT) or not linked.exists():
            yield f"{path.relative_to(ROOT)}: {target} (no such file in the repository)"
        elif (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text("utf-8"))
        ):
            yield f"{path.relative_to(ROOT)}: {target} (no such heading)"


def test_every_relative_link_of_the_docs_resolves_inside_the_repository() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = [problem for page in pages for problem in _broken_links(page)]
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_readme_and_the_import_guide_link_the_dataset_format() -> None:
    link = "dataset-format.md)"
    assert f"(docs/{link}" in (ROOT / "README.md").read_text("utf-8")
    assert f"({link}" in (DOCS / "dataset-import.md").read_text("utf-8")
