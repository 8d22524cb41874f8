"""Benchmarks: one command, printed figures. Fixed seed, fresh temporary database each run.

    .venv/bin/python bench/run.py                     # 100,000 patients
    .venv/bin/python bench/run.py --patients 1000000

Measures importing practice extracts (register, then results, then the same results again),
demo generation, the caseload's first and last page (through the real table model), the QOF
summary and recall worklist, a batch of 1,000 letters, and app cold start to first paint (a
fresh process, timed from spawn to the first paint event). Each query is printed beside the
time of one plain full scan of the table it reads (the floor).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text  # noqa: E402

from db.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from facilitator_app.bootstrap import AppContext, build_context  # noqa: E402
from facilitator_app.domain.dates import QofYear  # noqa: E402
from facilitator_app.domain.import_format import ImportKind  # noqa: E402
from facilitator_app.services.caseload import caseload_page, count_caseload  # noqa: E402
from facilitator_app.services.demo import build_demo_register  # noqa: E402
from facilitator_app.services.demo_extracts import write_demo_extracts  # noqa: E402
from facilitator_app.services.imports import import_file  # noqa: E402
from facilitator_app.services.letters import (  # noqa: E402
    LetterKind,
    letter_for,
    letter_patients,
    write_letters,
)
from facilitator_app.services.ports import CaseloadFilter, CaseloadQuery, CaseloadSort  # noqa: E402
from facilitator_app.services.qof import qof_summary  # noqa: E402
from facilitator_app.services.worklist import WorklistQuery, recall_worklist  # noqa: E402

TODAY = date(2026, 11, 22)


def best_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def full_scan_ms(ctx: AppContext) -> float:
    def scan() -> None:
        with ctx.new_uow() as uow:
            assert isinstance(uow, SqlAlchemyUnitOfWork)
            uow.session.execute(text("SELECT count(*), max(date_of_birth) FROM patient")).all()
    return best_ms(scan)


def model_pages(ctx: AppContext, query: CaseloadQuery) -> tuple[float, float, int]:
    """First page and a jump to the last page through the real CaseloadModel."""
    from PySide6.QtWidgets import QApplication

    from ui.models.caseload_model import CaseloadModel

    QApplication.instance() or QApplication([])
    model = CaseloadModel(
        count=lambda q: count_caseload(ctx.new_uow(), q, TODAY),
        page=lambda q, offset, limit, total: caseload_page(ctx.new_uow(), q, TODAY, offset,
                                                            limit, total),
    )

    def first() -> None:
        model.set_query(query)
        model.data(model.index(0, 1))

    def last() -> None:
        model.set_query(query)
        model.data(model.index(model.rowCount() - 1, 1))

    return best_ms(first), best_ms(last), model.rowCount()


def register_query_figures(ctx: AppContext) -> list[tuple[str, str, str]]:
    """Whole-register aggregates, each beside one plain scan of the observation table."""
    floor = observation_scan_ms(ctx)
    year = QofYear.containing(TODAY)
    summary_ms = best_ms(lambda: qof_summary(ctx.new_uow(), year, TODAY), repeat=3)
    summary = qof_summary(ctx.new_uow(), year, TODAY)
    worklist_ms = best_ms(lambda: sum(1 for _ in recall_worklist(
        ctx.new_uow(), WorklistQuery(as_of=TODAY))), repeat=3)
    rows = sum(1 for _ in recall_worklist(ctx.new_uow(), WorklistQuery(as_of=TODAY)))
    return [
        ("full scan of observation (floor)", f"{floor:.1f} ms", ""),
        (f"QOF summary {year.label}, all practices", f"{summary_ms:.0f} ms",
         f"{summary_ms / floor:.1f}x floor; {sum(p.cohort for p in summary.practices):,} in "
         "the indicator cohort"),
        ("recall worklist, all practices (all rows)", f"{worklist_ms:.0f} ms",
         f"{worklist_ms / floor:.1f}x floor; {rows:,} patients outstanding"),
    ]


def letter_figures(ctx: AppContext, count: int = 1000) -> list[tuple[str, str, str]]:
    """A batch of ``count`` review letters (patients with a check in the last 12 months):
    merged and one file each on worker processes, and merged in this process alone."""
    ids = letter_patients(ctx.new_uow(), "Z99001", TODAY,
                          checked_between=(date(TODAY.year - 1, TODAY.month, TODAY.day), TODAY))
    ids = ids[:count]
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="facilitator-bench-letters-") as folder:
        for label, out, workers in (
            ("letters, merged PDF, worker processes", Path(folder) / "all.pdf", None),
            ("letters, one PDF each, worker processes", Path(folder) / "each", None),
            ("letters, merged PDF, one process", Path(folder) / "one.pdf", 1),
        ):
            started = time.perf_counter()
            letters = (letter_for(ctx.new_uow, i, LetterKind.REVIEW, TODAY) for i in ids)
            files = write_letters(letters, len(ids), out, merged=out.suffix == ".pdf",
                                  workers=workers)
            seconds = time.perf_counter() - started
            size = sum(f.stat().st_size for f in files) / 1e6
            rows.append((f"{label} ({len(ids):,})", f"{len(ids) / seconds:.0f} /s",
                         f"{seconds:.1f} s, {size:.1f} MB"))
    return rows


def observation_scan_ms(ctx: AppContext) -> float:
    def scan() -> None:
        with ctx.new_uow() as uow:
            assert isinstance(uow, SqlAlchemyUnitOfWork)
            uow.session.execute(text("SELECT count(*), max(observed_on) FROM observation")).all()
    return best_ms(scan, repeat=3)


def import_figures(folder: Path, patients: int, seed: int) -> list[tuple[str, str, str]]:
    """Practice extracts made from the demo register, imported into an empty database: the
    register, the results, then the results again (nothing to change: the dedupe path)."""
    register, results = folder / "register.csv", folder / "results.csv"
    started = time.perf_counter()
    register_rows, result_rows = write_demo_extracts(patients, seed, TODAY, register, results)
    written = time.perf_counter() - started
    ctx = build_context(f"sqlite:///{folder / 'import.sqlite3'}", today=lambda: TODAY)
    rows = [("write demo extracts", f"{written:.1f} s",
             f"{register_rows:,} register rows, {result_rows:,} results, "
             f"{results.stat().st_size / 1e6:.0f} MB")]
    for label, kind, path in (("import register", ImportKind.REGISTER, register),
                              ("import results", ImportKind.RESULTS, results),
                              ("re-import results (no change)", ImportKind.RESULTS, results)):
        report = import_file(ctx.new_uow(), kind, path, TODAY)
        if report.errors:
            raise RuntimeError(f"{label}: {report.errors[:3]}")
        rows.append((label, f"{report.seconds:.1f} s",
                     f"{report.rows / report.seconds:,.0f} rows/s; {report.added:,} added, "
                     f"{report.unchanged:,} unchanged, {report.follow_ups:,} follow-ups"))
    rows.append(("full scan of observation (floor)", f"{observation_scan_ms(ctx):.1f} ms", ""))
    ctx.close()
    return rows


def cold_start_ms(db_url: str, runs: int = 3) -> float:
    env = {**os.environ, "FACILITATOR_EXIT_AFTER_FIRST_PAINT": "1"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "ui", "--db", db_url, "gui"],
                              env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
        if "first-paint" not in proc.stdout:
            raise RuntimeError(f"app did not report a first paint: {proc.stderr[-500:]}")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("all", "caseload", "import", "letters"),
                        default="all",
                        help="run one group of benchmarks")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    if args.only in ("all", "import"):
        with tempfile.TemporaryDirectory(prefix="facilitator-bench-import-") as folder:
            rows += import_figures(Path(folder), args.patients, args.seed)
    if args.only in ("all", "caseload"):
        rows += caseload_figures(args.patients, args.seed)
    if args.only == "letters":
        with tempfile.TemporaryDirectory(prefix="facilitator-bench-") as folder:
            ctx = build_context(f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                                today=lambda: TODAY)
            build_demo_register(ctx.new_uow(), args.patients, args.seed, TODAY)
            rows += letter_figures(ctx)
            ctx.close()
    print(f"\nFacilitator benchmarks: {args.patients:,} patients, seed {args.seed}\n")
    width = max(len(r[0]) for r in rows)
    for name, figure, note in rows:
        print(f"  {name.ljust(width)}  {figure:>10}  {note}")
    return 0


def caseload_figures(patients: int, seed: int) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="facilitator-bench-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        ctx = build_context(db_url, today=lambda: TODAY)
        summary = build_demo_register(ctx.new_uow(), patients, seed, TODAY)
        scan = full_scan_ms(ctx)
        rows: list[tuple[str, str, str]] = [
            ("demo generation", f"{summary.seconds:.1f} s",
             f"{summary.patients / summary.seconds:,.0f} patients/s, "
             f"{summary.observations:,} observations"),
            ("full scan of patient (floor)", f"{scan:.1f} ms", ""),
        ]
        for label, query in (
            ("caseload by name", CaseloadQuery()),
            ("caseload by recall, overdue", CaseloadQuery(status=CaseloadFilter.OVERDUE,
                                                          sort=CaseloadSort.RECALL)),
            ("caseload one practice", CaseloadQuery(practice_code="Z99001")),
        ):
            first, last, total = model_pages(ctx, query)
            rows.append((f"{label}: first page", f"{first:.1f} ms", f"{total:,} rows"))
            rows.append((f"{label}: last page", f"{last:.1f} ms", ""))
        rows += register_query_figures(ctx)
        rows += letter_figures(ctx)
        ctx.close()
        rows.append(("cold start to first paint", f"{cold_start_ms(db_url):.0f} ms",
                     "median of 3, fresh process"))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
