"""Evidence files: attach them to a request or a case, list them, download one.

``POST /api/actions/{id}/evidence`` and ``POST /api/cases/{id}/evidence`` take a
multipart form with ``file`` and ``kind`` (an ``EvidenceKind``): the file's type is read
from its content (``storage/evidence.py``), its bytes are stored once by their SHA-256,
the attachment is recorded and the audit trail gets an ``evidence.attach`` entry, all in
one transaction. Attaching to a request needs ``request_actions``; to a case
``work_cases``; both need the request or case to be in the person's scope (else 404).

A body larger than the limit is refused by its ``Content-Length`` before it is read
(413), and a body without one is refused (411): a file is never spooled to disk only to
be thrown away. ``GET /api/evidence/{link_id}`` downloads a file as an attachment, with
the type found when it was stored and ``nosniff``, only through a link whose request or
case the person may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from controltower.api import action_commands
from controltower.api.action_commands import ActionNotFoundError
from controltower.api.action_schemas import EvidenceListPublic, EvidencePublic
from controltower.api.auth import PrincipalDep, request_now, require
from controltower.api.case_commands import ActionForbiddenError, not_found_message
from controltower.api.deps import SessionDep
from controltower.api.request_ids import request_id
from controltower.api.routes.actions import refusal as action_refusal
from controltower.api.scope import PictureScope, ScannedScopeDep, ScopeDep
from controltower.domain.actions import ActionParamError, EvidenceKind
from controltower.domain.audit import Actor, AuditRecord
from controltower.domain.people import Permission, Principal
from controltower.storage.audit import append_audit
from controltower.storage.evidence import (
    EvidenceEmptyError,
    EvidenceError,
    EvidenceLink,
    EvidenceTooLargeError,
    EvidenceTypeError,
    attach_to_case,
    case_evidence,
    read_evidence,
    store_blob,
    visible_case_company,
)

#: what a multipart body may hold beyond the file itself (boundaries, part headers, the
#: kind field) before its Content-Length alone says it is too large
MULTIPART_ALLOWANCE: Final = 64 * 1024

_UPLOAD_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {"type": "string", "enum": [k.value for k in EvidenceKind]},
                    },
                }
            }
        },
    }
}


def max_bytes(request: Request) -> int:
    """The largest file accepted (``CONTROLTOWER_EVIDENCE_MAX_BYTES``)."""
    limit: int = request.app.state.settings.evidence_max_bytes
    return limit


async def bounded_body(request: Request) -> None:
    """Refuse an upload by its ``Content-Length`` before its body is read: 413 when it is
    larger than the limit allows, 411 when it does not say."""
    if request.method != "POST":
        return
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(
            status.HTTP_411_LENGTH_REQUIRED,
            detail="send the file as multipart/form-data with a Content-Length header",
        )
    if not length.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Content-Length is not a number")
    limit = max_bytes(request)
    if int(length) > limit + MULTIPART_ALLOWANCE:
        raise HTTPException(413, detail=str(EvidenceTooLargeError(limit)))


router = APIRouter(
    tags=["evidence"],
    dependencies=[Depends(bounded_body), Depends(require(Permission.VIEW))],
)


@dataclass(frozen=True, slots=True)
class Upload:
    """The file a person sent, read within the limit, and what they say it is."""

    content: bytes
    filename: str
    kind: EvidenceKind


def _invalid_form(field: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, naming the form's field."""
    return HTTPException(
        422, detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


async def evidence_upload(request: Request) -> Upload:
    """The form's ``file`` and ``kind``; 422 naming a missing or wrong one, 413 for a file
    over the limit (read no further than one byte past it)."""
    form = await request.form(max_files=1, max_fields=8)
    kind = form.get("kind")
    kinds = ", ".join(k.value for k in EvidenceKind)
    if not isinstance(kind, str) or kind not in set(EvidenceKind):
        raise _invalid_form("kind", f"kind must be one of {kinds}")
    sent = form.get("file")
    if not isinstance(sent, UploadFile):
        raise _invalid_form("file", "file is required: send it as a multipart file part")
    limit = max_bytes(request)
    content = await sent.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(413, detail=str(EvidenceTooLargeError(limit)))
    return Upload(content=content, filename=sent.filename or "", kind=EvidenceKind(kind))


UploadDep = Annotated[Upload, Depends(evidence_upload)]

ActionIdPath = Annotated[int, Path(ge=1, description="The request's id.")]
CaseIdPath = Annotated[
    str, Path(max_length=64, description="The case id, e.g. CASE-A9066DFC1D76E78D.")
]
LinkIdPath = Annotated[int, Path(ge=1, description="The attachment's id.")]


def evidence_public(link: EvidenceLink) -> EvidencePublic:
    return EvidencePublic(
        id=link.id,
        sha256=link.sha256,
        size=link.size,
        content_type=link.content_type,
        kind=link.kind,
        filename=link.filename,
        uploaded_by=link.uploaded_by,
        uploaded_at=link.uploaded_at,
        action_id=link.action_id,
        case_id=link.case_id,
        url=f"/api/evidence/{link.id}",
    )


def refused_file(error: EvidenceError) -> HTTPException:
    """413 for a file too large, 415 for a type not accepted, 422 for an empty one."""
    if isinstance(error, EvidenceTooLargeError):
        return HTTPException(413, detail=str(error))
    if isinstance(error, EvidenceTypeError):
        return HTTPException(415, detail=str(error))
    if isinstance(error, EvidenceEmptyError):
        return _invalid_form(error.field, str(error))
    return HTTPException(422, detail=str(error))  # pragma: no cover - every kind is above


def _attach_to_case(
    session: Session,
    request: Request,
    principal: Principal,
    upload: Upload,
    *,
    company: str,
    case_id: str,
) -> EvidencePublic:
    """Store the file, link it to the case and audit it in one transaction, then commit
    (a request's files go through the service, ``action_commands.attach_file``)."""
    now = request_now()
    # a fresh transaction, so that its first statement takes the write lock (SQLite);
    # what the request read so far was only read
    session.commit()
    try:
        blob = store_blob(session, upload.content, now=now, max_bytes=max_bytes(request))
        link = attach_to_case(
            session,
            blob,
            scope_company=company,
            case_id=case_id,
            kind=upload.kind.value,
            filename=upload.filename,
            uploaded_by=principal.user_id,
            now=now,
        )
        append_audit(
            session,
            AuditRecord.by(
                Actor.of(principal),
                at=now,
                action="evidence.attach",
                subject_type="case",
                subject_id=case_id,
                scope_company=company,
                new={
                    "evidence_id": link.id,
                    "sha256": link.sha256,
                    "size": link.size,
                    "content_type": link.content_type,
                    "kind": link.kind,
                    "filename": link.filename,
                },
                request_id=request_id(request),
            ),
        )
    except EvidenceError as error:
        session.rollback()
        raise refused_file(error) from error
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return evidence_public(link)


def _visible_action(
    session: Session, scope: PictureScope, principal: Principal, action_id: int
) -> int:
    """The request's id, or the 404 a missing or hidden request answers."""
    try:
        return action_commands.get_action(session, scope, principal, action_id).id
    except ActionNotFoundError as error:
        raise HTTPException(404, detail=str(error)) from error


def _visible_case(session: Session, scope: PictureScope, case_id: str) -> str:
    """The company the case is filed under, or the 404 a missing or hidden case answers."""
    company = visible_case_company(session, scope.companies, case_id, scope.visible)
    if company is None:
        raise HTTPException(404, detail=not_found_message(scope, case_id))
    return company


@router.post(
    "/api/actions/{action_id}/evidence",
    status_code=201,
    response_model=EvidencePublic,
    summary="Attach a file to a request",
    dependencies=[Depends(require(Permission.REQUEST_ACTIONS))],
    openapi_extra=_UPLOAD_BODY,
)
def attach_action_evidence(
    request: Request,
    response: Response,
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    action_id: ActionIdPath,
    upload: UploadDep,
) -> EvidencePublic:
    """A claim, a photo, a count sheet... for a request you can see
    (``request_actions``); the kinds its rule requires must be attached before it can be
    approved."""
    try:
        link = action_commands.attach_file(
            session,
            scope,
            principal,
            action_id,
            kind=upload.kind.value,
            filename=upload.filename,
            content=upload.content,
            now=request_now(),
            request_id=request_id(request),
            max_bytes=max_bytes(request),
        )
    except EvidenceError as error:
        raise refused_file(error) from error
    except (ActionNotFoundError, ActionForbiddenError, ActionParamError) as error:
        raise action_refusal(error) from error
    attached = evidence_public(link)
    response.headers["Location"] = attached.url
    return attached


@router.get(
    "/api/actions/{action_id}/evidence",
    response_model=EvidenceListPublic,
    summary="The files attached to a request",
)
def list_action_evidence(
    session: SessionDep, scope: ScopeDep, principal: PrincipalDep, action_id: ActionIdPath
) -> EvidenceListPublic:
    """Every file attached to the request, oldest first."""
    found_id = _visible_action(session, scope, principal, action_id)
    files = action_commands.action_files(session, found_id)
    return EvidenceListPublic(items=[evidence_public(e) for e in files])


@router.post(
    "/api/cases/{case_id}/evidence",
    status_code=201,
    response_model=EvidencePublic,
    summary="Attach a file to a case",
    dependencies=[Depends(require(Permission.WORK_CASES))],
    openapi_extra=_UPLOAD_BODY,
)
def attach_case_evidence(
    request: Request,
    response: Response,
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    upload: UploadDep,
) -> EvidencePublic:
    """A file for a case you can see (``work_cases``)."""
    company = _visible_case(session, scope, case_id)
    attached = _attach_to_case(
        session, request, principal, upload, company=company, case_id=case_id
    )
    response.headers["Location"] = attached.url
    return attached


@router.get(
    "/api/cases/{case_id}/evidence",
    response_model=EvidenceListPublic,
    summary="The files attached to a case",
)
def list_case_evidence(
    session: SessionDep, scope: ScannedScopeDep, case_id: CaseIdPath
) -> EvidenceListPublic:
    """Every file attached to the case, oldest first."""
    company = _visible_case(session, scope, case_id)
    return EvidenceListPublic(
        items=[evidence_public(e) for e in case_evidence(session, company, case_id)]
    )


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in plain ASCII and, for any other character, in
    RFC 5987's ``filename*`` form: a browser saves the file, never shows it inline."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/api/evidence/{link_id}",
    response_class=Response,
    summary="Download an attached file",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_evidence(
    session: SessionDep, principal: PrincipalDep, link_id: LinkIdPath
) -> Response:
    """The file as it was stored, as an attachment with the type found in its content;
    404 unless its request or case is one you can see."""
    found = read_evidence(session, link_id, principal.scope)
    if found is None:
        raise HTTPException(
            404, detail=f"no evidence file {link_id} is attached to anything you can see"
        )
    link, content = found
    return Response(
        content,
        media_type=link.content_type,
        headers={
            "Content-Disposition": content_disposition(link.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
