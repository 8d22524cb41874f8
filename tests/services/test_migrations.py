"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from db.migrate import current_revision, head_revision, upgrade_to_head
from db.models import RECALL_KEY_SQL, Base
from facilitator_app.bootstrap import AppContext


def test_migrated_schema_matches_the_models(ctx: AppContext, db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_recall_indexes_hold_the_recall_key(ctx: AppContext, db_url: str) -> None:
    """SQLite cannot reflect expression indexes, so the comparison above skips these there."""
    engine = create_engine(db_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            found = dict(conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE name LIKE 'ix_patient%recall'").all())
        assert found == {
            "ix_patient_recall":
                f"CREATE INDEX ix_patient_recall ON patient ({RECALL_KEY_SQL}, id)",
            "ix_patient_practice_recall": "CREATE INDEX ix_patient_practice_recall ON patient "
                                          f"(practice_id, {RECALL_KEY_SQL}, id)",
        }
    else:
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("patient")}
        assert "coalesce" in str(indexes["ix_patient_recall"].get("expressions", "")).lower()
    engine.dispose()


def test_upgrade_is_idempotent(ctx: AppContext, db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade_to_head(engine)  # already at head: nothing to do, nothing breaks
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_every_table_has_global_id_timestamps_and_version(ctx: AppContext, db_url: str) -> None:
    engine = create_engine(db_url)
    inspector = inspect(engine)
    # audit_head is the chain's one-row head and app_setting a key/value table: neither is a
    # record that is merged between registers or edited concurrently
    tables = [t for t in inspector.get_table_names()
              if t not in ("alembic_version", "audit_head", "app_setting")]
    assert len(tables) >= 10
    for table in tables:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert {"id", "global_id", "created_at", "updated_at", "version"} <= columns, table
        uniques = inspector.get_unique_constraints(table)
        assert any(u["column_names"] == ["global_id"] for u in uniques), table
    engine.dispose()
