"""Alembic environment: migrations run against CAUCE_DATABASE_URL or the URL given by `cauce db upgrade`."""

from __future__ import annotations

from alembic import context

from cauce.db import Base, import_all_models, make_engine

import_all_models()
target_metadata = Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves the search index alone: its columns, indexes and FTS5 tables are made
    by migration 0005 in SQL and are not in the models."""
    return not (reflected and compare_to is None and name is not None
                and (name == "search_tsv" or name.startswith("search_") or name.endswith("_search")))


def run_migrations_offline() -> None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a SQLite table by copy, drop and rename: with foreign keys on,
            # dropping a table others point at fails once it holds data. Off for the migration (it
            # must be set outside a transaction: on the driver's connection, before SQLAlchemy begins
            # one), checked before the migration commits.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
