"""SQL the two databases spell differently, written once as SQLAlchemy constructs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement, GenericFunction
from sqlalchemy.types import Date


class days_between(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """``days_between(first, last)``: whole days from one date to a later one."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    first, last = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({last}) - julianday({first}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    first, last = (compiler.process(c, **kw) for c in element.clauses)
    return f"({last} - {first})"


class least(GenericFunction[date]):  # noqa: N801
    """Smallest of several non-NULL dates: LEAST() on PostgreSQL, multi-argument min() on
    SQLite (the two differ only on NULLs: callers pass none)."""

    type = Date()
    inherit_cache = True


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


class iso_date_text(FunctionElement[str]):  # noqa: N801
    """A date as 'YYYY-MM-DD' text, '' for NULL, whatever the server's DateStyle: for packing
    several dates into one narrow column."""

    type = String()
    inherit_cache = True
    name = "iso_date_text"


@compiles(iso_date_text, "sqlite")
def _iso_date_text_sqlite(element: iso_date_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce({compiler.process(element.clauses, **kw)}, '')"  # stored as ISO text


@compiles(iso_date_text, "postgresql")
def _iso_date_text_postgresql(element: iso_date_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce(to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD'), '')"


class real_text(FunctionElement[str]):  # noqa: N801
    """A floating-point value as text that reads back as the very same value ('' for NULL):
    17 significant digits on SQLite (its default keeps 15), PostgreSQL's shortest exact form.
    For packing a value beside its date into one text that max() can order."""

    type = String()
    inherit_cache = True
    name = "real_text"


@compiles(real_text, "sqlite")
def _real_text_sqlite(element: real_text, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {value} IS NULL THEN '' ELSE printf('%!.17g', {value}) END"


@compiles(real_text, "postgresql")
def _real_text_postgresql(element: real_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce(CAST({compiler.process(element.clauses, **kw)} AS TEXT), '')"


class date_list_text(FunctionElement[str]):  # noqa: N801
    """Several dates as one 'YYYY-MM-DD,,YYYY-MM-DD' text, '' for each NULL: one narrow
    column where there would be one per date. One printf() on SQLite, which turns NULL into
    '' itself and costs a fraction of a chain of coalesce() and ||."""

    type = String()
    inherit_cache = True
    name = "date_list_text"


@compiles(date_list_text, "sqlite")
def _date_list_text_sqlite(element: date_list_text, compiler: SQLCompiler, **kw: Any) -> str:
    dates = [compiler.process(c, **kw) for c in element.clauses]
    return f"printf('{','.join(['%s'] * len(dates))}', {', '.join(dates)})"


@compiles(date_list_text, "postgresql")
def _date_list_text_postgresql(element: date_list_text, compiler: SQLCompiler,
                               **kw: Any) -> str:
    return " || ',' || ".join(compiler.process(iso_date_text(c), **kw) for c in element.clauses)
