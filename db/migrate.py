"""Bring a database's schema up to date on every start, GUI and CLI alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()  # no alembic.ini at run time: the installer ships only the scripts
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade in one transaction. SQLite batch mode rebuilds tables, so foreign keys are
    switched off for the copy and checked afterwards, as SQLite's documentation advises."""
    if current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration broke {len(broken)} foreign key reference(s)")
        conn.commit()
