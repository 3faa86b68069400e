"""The dataset manifest: row counts and checksums that tell a whole folder from a cut one.

A CSV file cut at a row boundary (a copy that ran out of space, a transfer that
stopped) is still a valid file: no reader can tell it from a smaller business, and
half the orders would be imported without a word. ``export`` therefore writes
``manifest.json`` beside the files, with the format version of the manifest and, per
file, its row count and SHA-256, and ``import`` and ``scan DIR`` check a folder against
it before reading it: a file that differs is an error naming the file and what
differs, and nothing is used.

A folder without a manifest (written by hand or by another program) keeps the one sign
of a cut that is left: a last line with no line break, reported as a warning, since
a file saved without a final newline is legal.

The checksum is what decides; the rows are counted (with the ``csv`` module, so a
quoted value spanning lines is one row) only to word the error when it does not match.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from controltower.connectors.dataset.columns import FILES, FILES_BY_NAME
from controltower.connectors.dataset.problems import DatasetProblem

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_VERSION: Final = 1
_CHUNK: Final = 1 << 20
_SHA256: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What the manifest says of one file: its data rows (the header not counted) and hash."""

    rows: int
    sha256: str


@dataclass
class FolderCheck:
    """The verdict on a folder: problems (nothing may be used) and warnings (worth a look)."""

    problems: list[DatasetProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ManifestError(ValueError):
    """``manifest.json`` cannot be read as a manifest; the message says why."""


def write_manifest(folder: Path, row_counts: Mapping[str, int]) -> None:
    """Write ``manifest.json`` for the files named in ``row_counts``, already in ``folder``.

    The checksums are taken from the files as they lie on disk, so the manifest vouches
    for exactly the bytes that were written.
    """
    files = {
        name: {"rows": rows, "sha256": file_digest(folder / name)}
        for name, rows in sorted(row_counts.items())
    }
    document = {"version": MANIFEST_VERSION, "files": files}
    (folder / MANIFEST_NAME).write_text(
        json.dumps(document, indent=2) + "\n", encoding="utf-8", newline="\n"
    )


def check_folder(folder: Path) -> FolderCheck:
    """Check the files of the format in ``folder`` against its manifest, or for a cut end.

    Files that are missing are left to the reader, which knows which files are required,
    unless the manifest lists them.
    """
    folder = Path(folder)
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return FolderCheck(warnings=_unterminated(folder, [spec.name for spec in FILES]))
    try:
        entries = read_manifest(path)
    except ManifestError as error:
        return FolderCheck(problems=[DatasetProblem(MANIFEST_NAME, None, None, str(error))])
    check = FolderCheck()
    for name, entry in entries.items():
        problem = _compare(folder / name, entry)
        if problem is not None:
            check.problems.append(DatasetProblem(name, None, None, problem))
    unlisted = [spec.name for spec in FILES if spec.name not in entries]
    check.warnings.extend(_unterminated(folder, unlisted))
    check.warnings.extend(
        f"{name}: not listed in {MANIFEST_NAME}, so it was not checked for being cut short"
        for name in unlisted
        if (folder / name).is_file()
    )
    return check


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    """The entries of the manifest at ``path``; :class:`ManifestError` when it is not one."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise ManifestError(f"cannot be read ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise ManifestError("not valid UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    if not isinstance(document, dict) or "version" not in document or "files" not in document:
        raise ManifestError(
            'not a dataset manifest (expected an object with "version" and "files")'
        )
    version = document["version"]
    if version != MANIFEST_VERSION or isinstance(version, bool):
        raise ManifestError(
            f"version {json.dumps(version)} is not one this Control Tower reads "
            f"(it reads version {MANIFEST_VERSION})"
        )
    files = document["files"]
    if not isinstance(files, dict):
        raise ManifestError('"files" must be an object mapping each file name to its entry')
    return {name: _entry(name, value) for name, value in files.items()}


def _entry(name: str, value: Any) -> ManifestEntry:
    """One file's entry, checked: a file of the format, a row count and a SHA-256."""
    if name not in FILES_BY_NAME:
        raise ManifestError(f"lists {name!r}, which is not a file of the format")
    rows = value.get("rows") if isinstance(value, dict) else None
    digest = value.get("sha256") if isinstance(value, dict) else None
    if (
        not isinstance(rows, int)
        or isinstance(rows, bool)
        or rows < 0
        or not isinstance(digest, str)
        or not _SHA256.fullmatch(digest)
    ):
        raise ManifestError(
            f'the entry for {name!r} needs "rows" (a whole number, 0 or more) and '
            '"sha256" (64 lower-case hexadecimal digits)'
        )
    return ManifestEntry(rows, digest)


def _compare(path: Path, entry: ManifestEntry) -> str | None:
    """What differs between the file at ``path`` and its entry, or None when nothing does."""
    if not path.is_file():
        return f"file is missing, but {MANIFEST_NAME} lists it with {_rows(entry.rows)}"
    try:
        digest = file_digest(path)
    except OSError as error:
        return f"file cannot be read ({error.strerror or error})"
    if digest == entry.sha256:
        return None
    rows = count_rows(path)
    if rows < entry.rows:
        return f"{_rows(rows)}, the manifest says {entry.rows:,} (file cut short?)"
    if rows > entry.rows:
        return f"{_rows(rows)}, the manifest says {entry.rows:,} (rows added after export?)"
    return (
        f"{_rows(rows)} as the manifest says, but its SHA-256 differs (file changed after export?)"
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of the file, in hexadecimal (read in chunks: files may be large)."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def count_rows(path: Path) -> int:
    """The file's data rows as the readers see them: CSV records after the header, not blank."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        try:
            records = sum(1 for row in csv.reader(handle) if row)
        except csv.Error:
            records = sum(1 for line in path.read_bytes().splitlines() if line.strip())
    return max(records - 1, 0)


def _unterminated(folder: Path, names: list[str]) -> list[str]:
    """A warning for each of the named files that exists and does not end with a line break."""
    return [
        f"{name}: the last line has no line break; was the file cut short?"
        for name in names
        if _ends_without_line_break(folder / name)
    ]


def _ends_without_line_break(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            if size == 0:
                return False
            handle.seek(size - 1)
            return handle.read(1) not in (b"\n", b"\r")
    except OSError:
        return False  # a file that cannot be read is the reader's to report


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"
