"""The API reports health and what has been loaded."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.demo import generate_business
from controltower.settings import Settings
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import replace_picture
from helpers.scanned_demo import api_client


def test_health_answers_with_the_database_dialect(migrated_database_url: str) -> None:
    app = create_app(Settings(DATABASE_URL=migrated_database_url))
    with TestClient(app) as client:
        body = client.get("/api/health").json()
    app.state.engine.dispose()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


def test_pictures_lists_each_loaded_dataset_with_its_counts(migrated_database_url: str) -> None:
    dataset = generate_business("small", seed=5, as_of=date(2026, 11, 25))
    engine = make_engine(migrated_database_url)
    with make_session_factory(engine)() as session:
        replace_picture(session, dataset, source="demo:small", imported_at=datetime(2026, 11, 25))
        session.commit()
    engine.dispose()

    with api_client(migrated_database_url) as client:
        pictures = client.get("/api/pictures").json()

    assert len(pictures) == 1
    assert pictures[0]["companies"] == dataset.companies()
    assert pictures[0]["counts"]["sales_order_lines"] == len(dataset.sales_order_lines)
    assert {w["code"] for w in pictures[0]["warehouses"]} == {w.code for w in dataset.warehouses}
