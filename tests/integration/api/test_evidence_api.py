"""Evidence through the API: attach a file to a request or a case, list, download, refuse.

Files are stored once by their SHA-256 and accepted by what their bytes are, whatever the
client calls them; a file is read back only through a request or case the person may
see, and the evidence a rule requires holds an approval back until it is attached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.domain.actions import ActionType
from controltower.domain.cases import ACTIVE_STATES
from controltower.domain.people import Role
from controltower.settings import Settings
from controltower.storage import tables
from controltower.storage.audit import entries_of
from controltower.storage.database import make_engine, make_session_factory
from helpers.governed_actions import find_params
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo

pytestmark = pytest.mark.database

HERE, THERE = "LDS", "MAN"

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@dataclass(frozen=True)
class Business:
    url: str
    #: a request awaiting two approvals and a count sheet, filed at HERE
    action_id: int
    #: an active case at HERE
    case_id: str
    people: dict[str, TestPerson]


def _case_at(url: str, warehouse: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            cases = tables.exception_cases
            found: str = connection.execute(
                sa.select(cases.c.id)
                .where(cases.c.warehouse == warehouse, cases.c.state.in_(sorted(ACTIVE_STATES)))
                .order_by(cases.c.id)
                .limit(1)
            ).scalar_one()
    finally:
        engine.dispose()
    return found


def business_with_a_request(url: str) -> Business:
    load_scanned_demo(url)
    people = {
        "mia": add_test_person(url, "mia", role=Role.MANAGER),
        "max": add_test_person(url, "max", role=Role.MANAGER),
        "eve": add_test_person(url, "eve", role=Role.EXECUTIVE),
        "finn": add_test_person(url, "finn", role=Role.FRONTLINE, warehouses=[HERE]),
        "audra": add_test_person(url, "audra", role=Role.AUDITOR),
        "wes": add_test_person(url, "wes", role=Role.MANAGER, warehouses=[THERE]),
    }
    kind = ActionType.ADJUST_INVENTORY
    params = find_params(kind, approvals=2, warehouse=HERE)
    with api_client(url, token=people["mia"].token) as mia:
        requested = mia.post(
            "/api/actions",
            json={
                "type": kind,
                "params": params,
                "reason_code": "cycle_count",
                "note": "counted on Monday",
            },
        )
    assert requested.status_code == 201, requested.text
    assert requested.json()["evidence_required"] == ["count_sheet"]
    return Business(url, requested.json()["id"], _case_at(url, HERE), people)


@contextmanager
def as_person(business: Business, login: str, **settings: Any) -> Iterator[TestClient]:
    """A client signed in as ``login``; ``settings`` override the app's (the size limit)."""
    if not settings:
        with api_client(business.url, token=business.people[login].token) as client:
            yield client
        return
    app = create_app(Settings(DATABASE_URL=business.url, **settings))
    headers = {"Authorization": f"Bearer {business.people[login].token}"}
    try:
        with TestClient(app, headers=headers) as client:
            yield client
    finally:
        app.state.engine.dispose()


def attach(
    client: TestClient,
    path: str,
    content: bytes,
    *,
    kind: str = "claim",
    filename: str = "claim.pdf",
    content_type: str = "application/pdf",
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        path,
        files={"file": (filename, content, content_type)},
        data={"kind": kind},
        headers=headers or {},
    )


def blob_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count: int = connection.execute(
                sa.select(sa.func.count()).select_from(tables.evidence_blobs)
            ).scalar_one()
    finally:
        engine.dispose()
    return count


def test_a_file_is_attached_listed_and_downloaded_as_it_was_sent(
    migrated_database_url: str,
) -> None:
    business = business_with_a_request(migrated_database_url)
    path = f"/api/actions/{business.action_id}/evidence"
    with as_person(business, "mia") as mia:
        attached = attach(
            mia, path, PDF, filename="Claim №7; final.pdf", headers={"X-Request-ID": "req-42"}
        )
        listed = mia.get(path)
        downloaded = mia.get(attached.headers.get("location", "/api/evidence/0"))

    assert attached.status_code == 201, attached.text
    body = attached.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["size"], body["content_type"], body["kind"]) == (
        len(PDF),
        "application/pdf",
        "claim",
    )
    assert (body["filename"], body["uploaded_by"]) == ("Claim №7; final.pdf", "mia")
    assert (body["action_id"], body["case_id"]) == (business.action_id, None)
    assert attached.headers["location"] == body["url"] == f"/api/evidence/{body['id']}"
    assert listed.json() == {"items": [body]}
    assert downloaded.status_code == 200
    assert downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    disposition = downloaded.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Claim _7_ final.pdf"')
    assert "filename*=UTF-8''Claim%20%E2%84%967%3B%20final.pdf" in disposition

    engine = make_engine(business.url)
    try:
        with make_session_factory(engine)() as session:
            trail = entries_of(session, "action", str(business.action_id))
    finally:
        engine.dispose()
    entry = next(e.record for e in trail if e.record.action == "evidence.attach")
    assert (entry.actor_login, entry.request_id) == ("mia", "req-42")
    assert entry.new["sha256"] == body["sha256"]
    assert entry.new["evidence_id"] == body["id"]


def test_the_same_content_is_stored_once_however_often_it_is_attached(
    migrated_database_url: str,
) -> None:
    business = business_with_a_request(migrated_database_url)
    with as_person(business, "mia") as mia:
        first = attach(mia, f"/api/actions/{business.action_id}/evidence", PNG, kind="photo")
        second = attach(
            mia, f"/api/actions/{business.action_id}/evidence", PNG, filename="again.png"
        )
        on_case = attach(mia, f"/api/cases/{business.case_id}/evidence", PNG, kind="photo")
        case_list = mia.get(f"/api/cases/{business.case_id}/evidence")
        from_case = mia.get(on_case.json()["url"])

    answers = [first, second, on_case]
    assert [r.status_code for r in answers] == [201, 201, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 3, "three attachments"
    assert {r.json()["sha256"] for r in answers} == {hashlib.sha256(PNG).hexdigest()}
    assert {r.json()["content_type"] for r in answers} == {"image/png"}, "by content, not name"
    assert blob_count(business.url) == 1, "one blob"
    assert on_case.json()["case_id"] == business.case_id
    assert [item["id"] for item in case_list.json()["items"]] == [on_case.json()["id"]]
    assert from_case.content == PNG


def test_a_file_over_the_limit_is_refused_with_413(migrated_database_url: str) -> None:
    business = business_with_a_request(migrated_database_url)
    path = f"/api/actions/{business.action_id}/evidence"
    with as_person(business, "mia", evidence_max_bytes=1024) as mia:
        at_limit = attach(mia, path, b"a" * 1024, filename="a.txt", content_type="text/plain")
        over = attach(mia, path, b"b" * 1025, filename="b.txt", content_type="text/plain")
        far_over = attach(mia, path, b"c" * 200_000, filename="c.txt", content_type="text/plain")

    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["content_type"] == "text/plain; charset=utf-8"
    assert over.status_code == far_over.status_code == 413
    assert over.json()["detail"] == (
        "file: larger than the limit of 1 KiB (CONTROLTOWER_EVIDENCE_MAX_BYTES)"
    )
    assert far_over.json() == over.json()
    assert blob_count(business.url) == 1


def test_a_file_of_another_type_is_refused_with_415_whatever_the_client_calls_it(
    migrated_database_url: str,
) -> None:
    business = business_with_a_request(migrated_database_url)
    path = f"/api/actions/{business.action_id}/evidence"
    with as_person(business, "mia") as mia:
        executable = attach(mia, path, b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64))
        disguised = attach(
            mia, path, b"\x7fELF\x02\x01\x01" + bytes(32), filename="photo.png",
            content_type="image/png",
        )  # fmt: skip
        text_called_pdf = attach(mia, path, b"received 12 boxes\n", filename="note.pdf")

    assert executable.status_code == disguised.status_code == 415
    assert executable.json()["detail"].startswith(
        "file: a Windows executable is not accepted as evidence; attach PDF, PNG, JPEG"
    )
    assert "an ELF executable" in disguised.json()["detail"]
    assert text_called_pdf.status_code == 201, "the bytes decide, not the name or the header"
    assert text_called_pdf.json()["content_type"] == "text/plain; charset=utf-8"
    assert blob_count(business.url) == 1


def test_a_bad_form_is_named_in_a_422(migrated_database_url: str) -> None:
    business = business_with_a_request(migrated_database_url)
    path = f"/api/actions/{business.action_id}/evidence"
    with as_person(business, "mia") as mia:
        answers = {
            "kind unknown": attach(mia, path, PDF, kind="selfie"),
            "kind missing": mia.post(path, files={"file": ("a.pdf", PDF, "application/pdf")}),
            "file missing": mia.post(path, data={"kind": "claim"}),
            "file empty": attach(mia, path, b""),
            "file as text": mia.post(path, data={"kind": "claim", "file": "not a file"}),
        }

    fields = {}
    for name, response in answers.items():
        assert response.status_code == 422, (name, response.text)
        fields[name] = response.json()["detail"][0]["loc"]
    assert fields == {
        "kind unknown": ["body", "kind"],
        "kind missing": ["body", "kind"],
        "file missing": ["body", "file"],
        "file empty": ["body", "file"],
        "file as text": ["body", "file"],
    }
    assert "one of claim, photo" in answers["kind unknown"].json()["detail"][0]["msg"]
    assert blob_count(business.url) == 0


def test_files_are_reached_only_through_what_the_person_may_see(
    migrated_database_url: str,
) -> None:
    business = business_with_a_request(migrated_database_url)
    on_action = f"/api/actions/{business.action_id}/evidence"
    on_case = f"/api/cases/{business.case_id}/evidence"
    with as_person(business, "mia") as mia:
        action_file = attach(mia, on_action, PDF).json()["url"]
    with as_person(business, "finn") as finn:
        case_file = attach(finn, on_case, PNG, kind="photo").json()["url"]
        finn_reads = [finn.get(action_file), finn.get(case_file)]
    with as_person(business, "audra") as audra:
        auditor_reads = [audra.get(action_file), audra.get(case_file)]
        auditor_attaches = attach(audra, on_action, PDF)
    with as_person(business, "eve") as eve:
        executive_on_case = attach(eve, on_case, PDF)
    with as_person(business, "wes") as wes:
        hidden = [wes.get(action_file), wes.get(case_file)]
        missing = wes.get("/api/evidence/999999")
        hidden_lists = [wes.get(on_action), wes.get(on_case)]
        hidden_attach = [attach(wes, on_action, PDF), attach(wes, on_case, PDF)]
    with anonymous_client(business.url) as anonymous:
        signed_out = [anonymous.get(action_file), attach(anonymous, on_action, PDF)]

    assert [r.status_code for r in finn_reads + auditor_reads] == [200] * 4
    assert auditor_attaches.status_code == 403
    assert auditor_attaches.json()["detail"] == "audra (auditor) may not request actions"
    assert executive_on_case.status_code == 403
    assert executive_on_case.json()["detail"] == "eve (executive) may not work cases"
    assert [r.status_code for r in hidden] == [404, 404]
    assert missing.status_code == 404
    for response in hidden:
        link_id = response.url.path.rsplit("/", 1)[-1]
        assert response.json()["detail"] == missing.json()["detail"].replace("999999", link_id)
    assert [r.status_code for r in hidden_lists + hidden_attach] == [404] * 4
    assert [r.status_code for r in signed_out] == [401, 401]
    assert blob_count(business.url) == 2


def test_required_evidence_holds_the_approval_back_until_it_is_attached(
    migrated_database_url: str,
) -> None:
    business = business_with_a_request(migrated_database_url)
    approve = f"/api/actions/{business.action_id}/approve"
    with as_person(business, "eve") as eve:
        without = eve.post(approve, json={})
    with as_person(business, "mia") as mia:
        photo = attach(mia, f"/api/actions/{business.action_id}/evidence", PNG, kind="photo")
    with as_person(business, "eve") as eve:
        with_a_photo = eve.post(approve, json={})
        waiting = eve.get(f"/api/actions/{business.action_id}").json()
    with as_person(business, "mia") as mia:
        sheet = attach(
            mia, f"/api/actions/{business.action_id}/evidence", b"sku,qty\nA,1\n",
            kind="count_sheet", filename="count.csv", content_type="text/csv",
        )  # fmt: skip
    with as_person(business, "eve") as eve:
        approved = eve.post(approve, json={})

    assert without.status_code == with_a_photo.status_code == 409
    assert "attach count sheet first" in without.json()["detail"]
    assert photo.status_code == sheet.status_code == 201
    assert waiting["evidence_missing"] == ["count_sheet"]
    assert (waiting["approvals_given"], waiting["decisions"]) == (0, [])
    assert approved.status_code == 200, approved.text
    assert approved.json()["evidence_missing"] == []
    assert (approved.json()["state"], approved.json()["approvals_given"]) == (
        "awaiting_approval",
        1,
    )
