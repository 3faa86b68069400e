"""Evidence: files attached to governed actions and cases, stored once by their SHA-256.

A claim, a photo of damaged goods, a customer's confirmation: the proof behind an
action is part of its record. Each file's content is stored once in ``evidence_blobs``,
keyed by the SHA-256 of its bytes (the same photo attached to three requests is one
blob: an ``INSERT`` only when absent, so two people uploading it at once store it once
too), and each attachment is a row of ``evidence_links`` naming the request or the
case, the kind of evidence, the file's name, who attached it and when.

What is accepted is decided by the bytes, never by what the client says a file is: a
file's type is read from its first bytes (its "magic number") and only documents and
pictures a person can open safely are kept: PDF, PNG, JPEG, GIF, WebP, plain text or
CSV (valid UTF-8 without NUL bytes), and XLSX or DOCX (a ZIP holding a workbook or a
document). Anything else is refused with :class:`EvidenceTypeError` naming what it
looks like; a file larger than the limit (``CONTROLTOWER_EVIDENCE_MAX_BYTES``, 10 MiB by
default) with :class:`EvidenceTooLargeError`.

A file is read back only through a link whose request or case the person may see
(:func:`read_evidence`), by the same scope rule every list uses, so a link id out of
scope answers exactly as a missing one. The caller commits.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controltower.domain.errors import DomainError
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.visibility import visible_to

#: the largest file accepted unless the settings say otherwise (10 MiB)
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024

#: the longest file name kept (longer ones keep their start and their extension)
MAX_FILENAME_CHARS: Final = 200

PDF: Final = "application/pdf"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
GIF: Final = "image/gif"
WEBP: Final = "image/webp"
TEXT: Final = "text/plain; charset=utf-8"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: what a person may attach, in words (for the refusal's message)
ACCEPTED_TYPES: Final = "PDF, PNG, JPEG, GIF, WebP, plain text or CSV (UTF-8), XLSX or DOCX"

#: leading bytes of the accepted binary formats
_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)

#: leading bytes of formats that are refused, so the message can say what was sent
_REFUSED: Final[tuple[tuple[bytes, str], ...]] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (DOC, XLS)"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

#: a ZIP archive's local file header
_ZIP: Final = b"PK\x03\x04"


class EvidenceError(DomainError):
    """A file that cannot be kept as evidence; ``field`` names the input at fault."""

    field = "file"


class EvidenceTypeError(EvidenceError):
    """The file is not of an accepted type (415); the message says what it looks like."""

    def __init__(self, found: str) -> None:
        super().__init__(
            f"file: {found} is not accepted as evidence; attach {ACCEPTED_TYPES} "
            "(the type is read from the file's content, not its name)"
        )
        self.found = found


class EvidenceTooLargeError(EvidenceError):
    """The file is larger than the limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"file: larger than the limit of {describe_size(limit)} "
            "(CONTROLTOWER_EVIDENCE_MAX_BYTES)"
        )
        self.limit = limit


class EvidenceEmptyError(EvidenceError):
    """The file holds no bytes at all (422): there is nothing to keep."""

    def __init__(self) -> None:
        super().__init__("file: the file is empty")


@dataclass(frozen=True, slots=True)
class Blob:
    """A stored file's content, by its SHA-256."""

    sha256: str
    size: int
    content_type: str
    #: False when the same content was stored before (nothing was written)
    new: bool


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """One file attached to a request or a case."""

    id: int
    sha256: str
    size: int
    content_type: str
    #: a ``domain.actions.EvidenceKind`` value
    kind: str
    filename: str
    #: the login of the person who attached it
    uploaded_by: str
    uploaded_at: datetime
    #: the request it is attached to (None: a case)
    action_id: int | None
    #: the case it is attached to: its company and id (None: a request)
    scope_company: str | None
    case_id: str | None


def describe_size(size: int) -> str:
    """``10485760`` -> ``10 MiB``; sizes below a KiB in bytes."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            amount = size / factor
            shown = f"{amount:.0f}" if amount == int(amount) else f"{amount:.1f}"
            return f"{shown} {unit}"
    return f"{size} bytes"


# --- What a file is --------------------------------------------------------------------


def detect_content_type(content: bytes) -> str:
    """The accepted media type the bytes are, read from the bytes alone.

    Raises :class:`EvidenceTypeError` naming what the file looks like when it is not one
    of :data:`ACCEPTED_TYPES`, and :class:`EvidenceEmptyError` for no bytes at all.
    """
    if not content:
        raise EvidenceEmptyError()
    for signature, media_type in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith(_ZIP):
        return _office_type(content)
    if _is_text(content):
        return TEXT
    for signature, found in _REFUSED:
        if content.startswith(signature):
            raise EvidenceTypeError(found)
    raise EvidenceTypeError("binary data of an unknown kind")


def _office_type(content: bytes) -> str:
    """XLSX or DOCX by the part every such file holds; any other ZIP is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise EvidenceTypeError("a damaged ZIP archive") from error
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    raise EvidenceTypeError("a ZIP archive (not an XLSX workbook or a DOCX document)")


def _is_text(content: bytes) -> bool:
    """Valid UTF-8 (a byte order mark allowed) with no NUL byte: plain text or CSV."""
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def clean_filename(filename: str | None) -> str:
    """The name a file is kept under: its last path part, without control characters,
    at most :data:`MAX_FILENAME_CHARS` long (keeping the extension); ``evidence`` when
    nothing is left. A client's path (``C:\\Users\\ann\\claim.pdf``) never reaches the
    record."""
    base = re.split(r"[/\\]", filename or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    base = base.strip(". ") or "evidence"
    if len(base) <= MAX_FILENAME_CHARS:
        return base
    stem, dot, extension = base.rpartition(".")
    if dot and 0 < len(extension) <= 16:
        return stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
    return base[:MAX_FILENAME_CHARS]


# --- Writing ---------------------------------------------------------------------------


def store_blob(session: Session, content: bytes, *, now: datetime, max_bytes: int) -> Blob:
    """Store ``content`` unless a blob with its SHA-256 is stored already.

    The type is checked first (:func:`detect_content_type`) and the size against
    ``max_bytes``; nothing is written when either refuses. The insert does nothing when
    the content is there already, whoever stored it and however many store it at once.
    """
    if len(content) > max_bytes:
        raise EvidenceTooLargeError(max_bytes)
    content_type = detect_content_type(content)
    sha256 = hashlib.sha256(content).hexdigest()
    values = {
        "sha256": sha256,
        "size": len(content),
        "content_type": content_type,
        "content": content,
        "stored_at": now,
    }
    connection = session.connection()
    statement: Any
    if connection.dialect.name == "postgresql":
        statement = postgresql.insert(tables.evidence_blobs).on_conflict_do_nothing(
            index_elements=["sha256"]
        )
    else:
        statement = sqlite.insert(tables.evidence_blobs).on_conflict_do_nothing(
            index_elements=["sha256"]
        )
    added = connection.execute(statement, values).rowcount
    return Blob(sha256=sha256, size=len(content), content_type=content_type, new=added == 1)


def attach_to_action(
    session: Session,
    blob: Blob,
    *,
    action_id: int,
    kind: str,
    filename: str,
    uploaded_by: int,
    now: datetime,
) -> EvidenceLink:
    """Link the stored ``blob`` to the request ``action_id`` (the caller checked that the
    person may see it)."""
    return _link(
        session,
        blob,
        {"action_id": action_id, "scope_company": None, "case_id": None},
        kind=kind,
        filename=filename,
        uploaded_by=uploaded_by,
        now=now,
    )


def attach_to_case(
    session: Session,
    blob: Blob,
    *,
    scope_company: str,
    case_id: str,
    kind: str,
    filename: str,
    uploaded_by: int,
    now: datetime,
) -> EvidenceLink:
    """Link the stored ``blob`` to the case ``case_id`` filed under ``scope_company``."""
    return _link(
        session,
        blob,
        {"action_id": None, "scope_company": scope_company, "case_id": case_id},
        kind=kind,
        filename=filename,
        uploaded_by=uploaded_by,
        now=now,
    )


def _link(
    session: Session,
    blob: Blob,
    subject: dict[str, Any],
    *,
    kind: str,
    filename: str,
    uploaded_by: int,
    now: datetime,
) -> EvidenceLink:
    links = tables.evidence_links
    kept = clean_filename(filename)
    link_id = session.execute(
        sa.insert(links)
        .values(
            sha256=blob.sha256,
            kind=kind,
            filename=kept,
            uploaded_by=uploaded_by,
            uploaded_at=now,
            **subject,
        )
        .returning(links.c.id)
    ).scalar_one()
    found = _links(session, links.c.id == link_id)
    return found[0]


# --- Reading ---------------------------------------------------------------------------


def _links(session: Session, *where: sa.ColumnElement[bool]) -> list[EvidenceLink]:
    links, blobs, users = tables.evidence_links, tables.evidence_blobs, tables.users
    rows = session.execute(
        sa.select(
            links.c.id,
            links.c.sha256,
            blobs.c.size,
            blobs.c.content_type,
            links.c.kind,
            links.c.filename,
            users.c.login,
            links.c.uploaded_at,
            links.c.action_id,
            links.c.scope_company,
            links.c.case_id,
        )
        .join(blobs, blobs.c.sha256 == links.c.sha256)
        .join(users, users.c.id == links.c.uploaded_by)
        .where(*where)
        .order_by(links.c.uploaded_at, links.c.id)
    ).all()
    return [
        EvidenceLink(
            id=row.id,
            sha256=row.sha256,
            size=row.size,
            content_type=row.content_type,
            kind=row.kind,
            filename=row.filename,
            uploaded_by=row.login,
            uploaded_at=row.uploaded_at,
            action_id=row.action_id,
            scope_company=row.scope_company,
            case_id=row.case_id,
        )
        for row in rows
    ]


def action_evidence(session: Session, action_id: int) -> list[EvidenceLink]:
    """The files attached to a request, oldest first (the caller checked that the person
    may see the request)."""
    return _links(session, tables.evidence_links.c.action_id == action_id)


def case_evidence(session: Session, scope_company: str, case_id: str) -> list[EvidenceLink]:
    """The files attached to a case, oldest first (the caller checked the case's scope)."""
    links = tables.evidence_links
    return _links(session, links.c.scope_company == scope_company, links.c.case_id == case_id)


def visible_case_company(
    session: Session, companies: Sequence[str], case_id: str, visible: Scope
) -> str | None:
    """The company the case ``case_id`` is filed under, among ``companies`` and within
    ``visible``; None when it is missing or out of scope alike."""
    cases = tables.exception_cases
    return session.execute(
        sa.select(cases.c.scope_company)
        .where(
            cases.c.scope_company.in_(list(companies)),
            cases.c.id == case_id,
            *visible_to(visible, cases.c.scope_company, cases.c.warehouse),
        )
        .order_by(cases.c.scope_company)
        .limit(1)
    ).scalar_one_or_none()


def kinds_attached(session: Session, action_id: int) -> set[str]:
    """The kinds of evidence (``EvidenceKind`` values) attached to a request: what the
    approval checks against the kinds its policy requires."""
    links = tables.evidence_links
    rows = session.execute(
        sa.select(links.c.kind).where(links.c.action_id == action_id).distinct()
    ).scalars()
    return set(rows)


def read_evidence(
    session: Session, link_id: int, visible: Scope
) -> tuple[EvidenceLink, bytes] | None:
    """The link and its file's bytes, when the request or case it is attached to is
    within ``visible``; None when the link is missing or out of scope alike."""
    links, blobs = tables.evidence_links, tables.evidence_blobs
    if not _visible_link(session, link_id, visible):
        return None
    found = _links(session, links.c.id == link_id)
    if not found:  # pragma: no cover - the link was just seen
        return None
    content = session.execute(
        sa.select(blobs.c.content).where(blobs.c.sha256 == found[0].sha256)
    ).scalar_one()
    return found[0], bytes(content)


def _visible_link(session: Session, link_id: int, visible: Scope) -> bool:
    """Whether the link exists and the person may see what it is attached to."""
    links, actions, cases = tables.evidence_links, tables.action_requests, tables.exception_cases
    on_action = sa.and_(
        links.c.action_id.is_not(None),
        *visible_to(visible, actions.c.scope_company, actions.c.warehouse),
    )
    on_case = sa.and_(
        links.c.case_id.is_not(None),
        cases.c.id.is_not(None),
        *visible_to(visible, cases.c.scope_company, cases.c.warehouse),
    )
    query = (
        sa.select(links.c.id)
        .select_from(links)
        .outerjoin(actions, actions.c.id == links.c.action_id)
        .outerjoin(
            cases,
            sa.and_(cases.c.scope_company == links.c.scope_company, cases.c.id == links.c.case_id),
        )
        .where(links.c.id == link_id, sa.or_(on_action, on_case))
    )
    return session.execute(query).first() is not None
