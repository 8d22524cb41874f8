"""Alembic environment: run online on the connection the app hands over (db/migrate.py), or on
``sqlalchemy.url`` when the alembic command line is used by a developer."""

from alembic import context
from sqlalchemy import create_engine

from db.models import Base

config = context.config
connection = config.attributes.get("connection")


def run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        run(conn)
        conn.commit()
