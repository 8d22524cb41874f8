"""SQLite query plans of the whole-register statements: the QOF summary and the recall worklist.

    .venv/bin/python bench/explain.py DATABASE.sqlite3     # e.g. one built by `demo`
    .venv/bin/python bench/explain.py --user NAME --password PW DATABASE.sqlite3

Signs in (by default as the account bench/run.py creates), runs each use case once with the
driver's trace callback recording every statement it executes, with its parameters filled in
(so statements sent straight through the driver, as the worklist's are, are seen too), then
prints ``EXPLAIN QUERY PLAN`` for each one that reads the patient table. No rows are printed,
only plans and timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run import BENCH_ACCOUNT  # noqa: E402 - bench/run.py, beside this file
from sqlalchemy import event  # noqa: E402

from facilitator_app.bootstrap import AppContext, build_context  # noqa: E402
from facilitator_app.domain.dates import QofYear  # noqa: E402
from facilitator_app.services.qof import qof_summary  # noqa: E402
from facilitator_app.services.worklist import WorklistQuery, recall_worklist  # noqa: E402

TODAY = date(2026, 11, 22)


def captured(ctx: AppContext, run: Callable[[], object], repeat: int
             ) -> tuple[float | None, list[str]]:
    statements: list[str] = []

    def trace(sql: str) -> None:
        if "FROM patient" in sql and not sql.lstrip().upper().startswith("EXPLAIN"):
            statements.append(sql)

    def checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.set_trace_callback(trace)

    def checkin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_trace_callback(None)

    pool = ctx._engine.pool  # noqa: SLF001 - a benchmark may look inside
    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    run()
    event.remove(pool, "checkout", checkout)
    event.remove(pool, "checkin", checkin)
    seconds = []
    for _ in range(repeat):  # warm: best of ``repeat``, after the captured run
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return (min(seconds) if seconds else None), statements


def plan(ctx: AppContext, sql: str) -> list[str]:
    engine = ctx._engine  # noqa: SLF001 - a benchmark may look inside
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        rows = cursor.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--sql", action="store_true", help="print the statements too")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (0: plans only)")
    parser.add_argument("--user", default=BENCH_ACCOUNT[0])
    parser.add_argument("--password", default=BENCH_ACCOUNT[2])
    args = parser.parse_args()
    ctx = build_context(f"sqlite:///{args.database}", today=lambda: TODAY)
    ctx.sign_in(args.user, args.password)
    year = QofYear.containing(TODAY)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("QOF summary", lambda: qof_summary(ctx.new_uow(), year, TODAY)),
        ("recall worklist", lambda: sum(1 for _ in recall_worklist(
            ctx.new_uow(), WorklistQuery(as_of=TODAY)))),
    ]
    for label, run in cases:
        seconds, statements = captured(ctx, run, args.repeat)
        timing = f": {seconds * 1000:.0f} ms" if seconds is not None else ""
        print(f"== {label}{timing} ==")
        for sql in statements:
            if args.sql:
                print(sql)
            print("\n".join(plan(ctx, sql)))
            print()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
