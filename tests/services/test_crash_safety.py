"""Crash safety with real processes: a process killed with SIGKILL in the middle of importing a
large results extract, saving physical health checks or writing a letter batch leaves the
database consistent and loses nothing that was committed.

Each test runs the real code in a child process, waits (bounded, with a clear failure) until it
is genuinely in the middle of its work, and kills it with SIGKILL: no exception handler,
``finally``, ``with`` block or ``atexit`` runs. What is then left on disk is inspected.

What is expected to remain after SIGKILL, and what is not:

* The database holds exactly the last committed state: SQLite discards the uncommitted frames
  in the ``-wal`` file when the database is next opened, PostgreSQL rolls back a dead client's
  transaction. ``PRAGMA integrity_check`` is "ok" and the schema is at head. An import is one
  transaction, so a killed import leaves every table exactly as before; a killed run of check
  saves keeps every check whose commit was reported and has no half-saved check.
* A merged letters ``FILE.pdf`` is never partly written: the batch renders into memory, writes
  ``FILE.pdf.part`` and renames it. A stray ``FILE.pdf.part`` may be left (the cleanup in
  ``write_letters`` cannot run after SIGKILL); the next run overwrites it. An earlier complete
  ``FILE.pdf`` survives a killed re-run unchanged.
* A folder batch killed half way keeps the letters finished before the kill (the batch is not
  undone: no cleanup can run); a re-run writes them all again. A letter file is written under
  a temporary name and renamed once synced, so a kill never leaves a half-written letter under
  its real name (``test_folder_letter_killed_while_being_written_is_never_left_truncated``).
* Letters write nothing to the database.
* Render worker processes of a killed batch notice their parent is gone and exit; the tests
  still kill the child's whole process group (its own session) before reaping it, so nothing
  can outlive a test.
"""

from __future__ import annotations

import csv
import hashlib
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

import facilitator_app.domain.codes as codes
from db.engine import make_engine
from db.migrate import current_revision, head_revision
from db.models import AuditEvent, ClinicalCondition, FollowUp, Observation, Patient
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.audit import verify_audit
from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.demo_extracts import write_demo_extracts
from facilitator_app.services.imports import import_file
from tests.builders import RegisterBuilder
from tests.conftest import TODAY, open_test_context

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="SIGKILL, process groups and pseudo-terminals are POSIX")

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
AS_OF = TODAY.strftime("%d/%m/%Y")
WAIT = 90.0  # seconds any one wait may take before the test fails saying what it waited for

# (a) the import: 20,000 patients' extract is ~270,000 results, ~4 s of reading and staging
# and ~2 s holding the write lock on this 2-core machine.
IMPORT_PATIENTS = 20_000
FIRST_RESULTS = 30_000  # imported and committed before the big import is killed
WAL_SPILLED = 1 << 20  # bytes of uncommitted pages in the -wal file: clearly mid-write

# (b) saving checks: after this many commits, this long into the next transaction
CHECK_PATIENTS = 150
KILL_POINTS = ((6, 0.0), (11, 0.004), (4, 0.017))
CHECK_ON = date(2026, 11, 2)
CHECK_SCRIPT = '''\
"""Save the same physical health check for each patient id given, each in its own
transaction (record_check commits), printing a line after each commit."""
import os
import sys
from datetime import date

from facilitator_app.bootstrap import build_context
from facilitator_app.domain.check_form import CheckForm
from facilitator_app.services.record_check import record_check

FORM = CheckForm(
    check_date="02/11/2026", height_cm="165", weight_kg="92", waist_cm="104",
    systolic="152", diastolic="96", systolic_2="150", diastolic_2="94", pulse="76",
    total_cholesterol="7.9", hdl_cholesterol="1.0", hba1c="52",
    audit_c_q1="3", audit_c_q2="2", audit_c_q3="2", smoking="current",
    substance_use="no", medication_review_done=True, cancer_screening="up_to_date",
    conditions={"af": False, "ckd345": False},
)
url, today, *patient_ids = sys.argv[1:]
on = date.fromisoformat(today)
ctx = build_context(url, today=lambda: on, encrypt_new=False)
ctx.sign_in(os.environ["FACILITATOR_USER"], os.environ["FACILITATOR_PASSWORD"])
print("ready", flush=True)
for patient_id in map(int, patient_ids):
    record_check(ctx.new_uow(), patient_id, FORM, on, "crash-test")
    print(f"committed {patient_id}", flush=True)
ctx.close()
'''

# (c) letters, from the demo register (seed 1): ~130 letters on worker processes, and ~20
# rendered in the main process for the kills placed inside a file write
LETTER_PATIENTS = 1_500
BIG_BATCH = ("--practice", "Z99001", "--checked-between", "01/04/2026", "30/11/2026")
SMALL_BATCH = ("--practice", "Z99002", "--checked-between", "01/10/2026", "30/11/2026")
LETTER_NAME = re.compile(r"\d{10}-review-2026-11-22\.pdf")
KILL_WHILE_WRITING = '''\
"""Run facilitator-app and SIGKILL this process in the middle of writing a letter file: for a
merged PDF half way through writing its bytes, for a folder while the third letter's bytes are
written but not yet synced and renamed to its real name."""
import io
import os
import signal
import sys
from pathlib import Path

import pypdf

from facilitator_app.cli import main


def die():
    os.kill(os.getpid(), signal.SIGKILL)


mode, *args = sys.argv[1:]
if mode == "merged":
    real_write = pypdf.PdfWriter.write

    def write_half_then_die(self, stream):
        whole = io.BytesIO()
        real_write(self, whole)
        data = whole.getvalue()
        stream.write(data[: len(data) // 2])
        stream.flush()
        die()

    pypdf.PdfWriter.write = write_half_then_die
else:
    # a letter is written to a temporary file, synced, then renamed: the kill lands after
    # the third letter's bytes are written and before they are synced and renamed
    real_fsync = os.fsync
    synced = []

    def fsync_then_die(fd):
        synced.append(fd)
        if len(synced) == 3:
            die()
        return real_fsync(fd)

    os.fsync = fsync_then_die
sys.exit(main(args))
'''


# -- processes ----------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FACILITATOR_DB", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _cli(url: str, *args: str) -> list[str]:
    return [PYTHON, "-m", "facilitator_app", "--db", url, *args]


@contextmanager
def _started(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
    """The child runs in its own session, so whatever it starts can be killed with it."""
    proc = subprocess.Popen(args, cwd=REPO, env=_env(), start_new_session=True, **kwargs)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            _sigkill(proc)


def _sigkill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child, then its process group (render workers it started, which are
    orphaned and would wait forever), and only then reap it: while it is an unreaped zombie its
    process id - the group's id - cannot have been reused by anything else."""
    os.kill(proc.pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=WAIT)


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=3 * WAIT, check=False)
    assert done.returncode == 0, f"{args[3:]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _assert_killed(proc: subprocess.Popen[bytes], what: str, log: Path | None = None) -> None:
    details = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    assert proc.returncode == -signal.SIGKILL, (
        f"{what} ended by itself (exit code {proc.returncode}) before it could be killed; "
        f"make its input bigger so there is time to kill it mid-way\n{details}")


class _Lines:
    """Lines (split at \\n and at the \\r progress output uses) a child writes to a pipe or a
    pseudo-terminal, read on a thread so every wait can have a timeout."""

    def __init__(self, fd: int) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(fd,), daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        pending = b""
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: every holder of a pseudo-terminal's other end has gone
                data = b""
            if not data:
                break
            pending += data
            *lines, pending = re.split(rb"[\r\n]", pending)
            for line in lines:
                if line.strip():
                    self._lines.put(line.decode(errors="replace").strip())
        if pending.strip():
            self._lines.put(pending.decode(errors="replace").strip())
        self._lines.put(None)

    def wait_for(self, matches: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"the child's output ended before {what}; it said: {self.seen[-5:]}")
            self.seen.append(line)
            if matches(line):
                return line
        pytest.fail(f"no {what} within {WAIT:.0f} s; the child said: {self.seen[-5:]}")

    def rest(self) -> list[str]:
        """Everything else, once the child and everything holding its output are dead."""
        self._thread.join(timeout=WAIT)
        assert not self._thread.is_alive(), "the child's output is still open after killing it"
        lines = []
        while (line := self._lines.get_nowait()) is not None:
            lines.append(line)
        self.seen += lines
        return lines


# -- the database --------------------------------------------------------------------------------


def _sqlite(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=30, isolation_level=None)


# Signing in appends to the audit trail (and notes the rules' fingerprint) before the work a
# test kills begins; those commits are meant to survive, so the register's own tables are
# compared, and the audit chain is verified instead (_assert_sound).
SIGN_IN_TABLES = ("app_setting", "audit_event", "audit_head")


def _snapshot(path: Path) -> dict[str, tuple[int, str]]:
    """Every register table's row count and a SHA-256 of all its rows in rowid order."""
    con = _sqlite(path)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if name not in SIGN_IN_TABLES]
        snapshot = {}
        for table in tables:
            digest, count = hashlib.sha256(), 0
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
                count += 1
            snapshot[table] = (count, digest.hexdigest())
        return snapshot
    finally:
        con.close()


def _changed(before: Mapping[str, tuple[int, str]],
             after: Mapping[str, tuple[int, str]]) -> dict[str, tuple[object, object]]:
    """Tables whose rows differ: {table: (rows before, rows after)}."""
    return {t: (before.get(t, (None,))[0], after.get(t, (None,))[0])
            for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)}


def _observations(path: Path) -> list[tuple[str, str, str, float | None]]:
    """(nhs_number, code, observed_on, value) of every observation, sorted."""
    con = _sqlite(path)
    try:
        return sorted(con.execute(
            "SELECT p.nhs_number, o.code, o.observed_on, o.value "
            "FROM observation o JOIN patient p ON p.id = o.patient_id"))
    finally:
        con.close()


def _assert_sound(path: Path) -> None:
    """The file is intact and every foreign key resolves, and the app opens it at head."""
    con = _sqlite(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        staging = con.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'stage%'").fetchall()
        assert staging == [], "import staging tables must be TEMPORARY, never in the file"
    finally:
        con.close()
    url = f"sqlite:///{path}"
    ctx = open_test_context(url)  # opens and upgrades without error
    try:
        assert verify_audit(ctx.new_uow()).intact, "the audit chain survives the kill"
    finally:
        ctx.close()
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


# -- (a) a large results import ---------------------------------------------------------------


def _wait_until_writing(db: Path, proc: subprocess.Popen[bytes], log: Path) -> str:
    """Wait until the import holds the database's write lock - it is applying the staged
    results to the real tables - and uncommitted pages have spilled into the -wal file (or it
    has held the lock for half a second). Returns what was seen, for failure messages."""
    wal = db.with_name(db.name + "-wal")
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        deadline = time.monotonic() + WAIT
        locked_since: float | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the import ended (exit code {proc.returncode}) before it was seen "
                            f"writing: {log.read_text(errors='replace')[-2000:]}")
            try:
                probe.execute("BEGIN IMMEDIATE")  # fails at once while another writer is busy
                probe.execute("ROLLBACK")
                locked_since = None
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                now = time.monotonic()
                locked_since = locked_since or now
                spilled = wal.stat().st_size if wal.exists() else 0
                if spilled >= WAL_SPILLED or now - locked_since >= 0.5:
                    return (f"write lock held for {now - locked_since:.2f} s, "
                            f"{spilled:,} bytes in the -wal file")
            time.sleep(0.005)
        pytest.fail(f"the import did not start writing within {WAIT:.0f} s")
    finally:
        probe.close()


def _extract_results(path: Path) -> set[tuple[str, str, str, float | None]]:
    """What the extract says, as (nhs_number, code, date, value)."""
    with path.open(newline="", encoding="utf-8") as f:
        return {(r["nhs_number"], r["code"], r["date"], float(r["value"]) if r["value"] else None)
                for r in csv.DictReader(f)}


def test_killed_results_import_leaves_the_last_committed_state(tmp_path: Path) -> None:
    register, results = tmp_path / "register.csv", tmp_path / "results.csv"
    write_demo_extracts(IMPORT_PATIENTS, 7, TODAY, register, results)
    first = tmp_path / "results-first.csv"
    first.write_bytes(b"".join(results.read_bytes().splitlines(keepends=True)[:FIRST_RESULTS + 1]))
    db = tmp_path / "register.sqlite3"
    url = f"sqlite:///{db}"
    ctx = open_test_context(url)
    try:
        for kind, path in ((ImportKind.REGISTER, register), (ImportKind.RESULTS, first)):
            report = import_file(ctx.new_uow(), kind, path, TODAY, imported_by="setup")
            assert report.ok and report.written, report.errors[:5]
    finally:
        ctx.close()
    before, observations = _snapshot(db), _observations(db)
    assert len(observations) == FIRST_RESULTS and before["follow_up"][0] > 0

    log = tmp_path / "import.log"
    with log.open("wb") as out, _started(_cli(url, "import", "results", str(results), "--as-of",
                                              AS_OF), stdout=out, stderr=out) as proc:
        seen = _wait_until_writing(db, proc, log)
        _sigkill(proc)
    _assert_killed(proc, "the import", log)

    _assert_sound(db)
    after = _snapshot(db)
    assert after == before, (f"killed mid-write ({seen}), the import changed tables "
                             f"(rows before, after): {_changed(before, after)}")
    assert _observations(db) == observations

    # The same import, run again to completion, does everything the killed one would have.
    done = _run(_cli(url, "import", "results", str(results), "--as-of", AS_OF))
    expected = _extract_results(results)
    added = len(expected) - FIRST_RESULTS
    assert f"Results: {added:,} added, 0 updated, {FIRST_RESULTS:,} already up to date" \
        in done.stdout, done.stdout
    assert set(_observations(db)) == expected
    follow_ups = re.search(r"([\d,]+) follow-up\(s\) were created", done.stdout)
    assert follow_ups, done.stdout
    final = _snapshot(db)
    assert final["follow_up"][0] == before["follow_up"][0] + int(follow_ups[1].replace(",", ""))
    assert final["import_record"][0] == before["import_record"][0] + 1
    _assert_sound(db)


# -- (b) saving physical health checks, one transaction each ----------------------------------


CheckState = tuple[frozenset[str], int, int, int, date | None]
NO_CHECK: CheckState = (frozenset(), 0, 0, 0, None)


def _check_states(ctx: AppContext, patient_ids: list[int]) -> dict[int, CheckState]:
    """Per patient: the codes observed on the check date, follow-ups, QRISK3 conditions,
    record_check audit events and the recall anchor - all written by one check together."""
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        s = uow.session
        observed: dict[int, set[str]] = {}
        for patient_id, code in s.execute(select(Observation.patient_id, Observation.code)
                                          .where(Observation.observed_on == CHECK_ON)):
            observed.setdefault(patient_id, set()).add(code)

        def per_patient(column: Any) -> dict[int, int]:
            return {p: n for p, n in s.execute(select(column, func.count()).group_by(column))}

        follow_ups = per_patient(FollowUp.patient_id)
        conditions = per_patient(ClinicalCondition.patient_id)
        audits = {p: n for p, n in s.execute(
            select(Patient.id, func.count()).join(
                AuditEvent, AuditEvent.entity_global_id == Patient.global_id)
            .where(AuditEvent.action == "record_check").group_by(Patient.id))}
        anchors = {p: on for p, on in s.execute(select(Patient.id, Patient.core_check_oldest_on))}
        # a follow-up points at an observation of its own patient, or at none by design
        stray = s.scalar(select(func.count()).select_from(FollowUp)
                         .outerjoin(Observation, Observation.id == FollowUp.observation_id)
                         .where(FollowUp.observation_id.is_not(None),
                                (Observation.id.is_(None))
                                | (Observation.patient_id != FollowUp.patient_id)))
    assert stray == 0, f"{stray} follow-up(s) point at a missing or another patient's result"
    return {p: (frozenset(observed.get(p, ())), follow_ups.get(p, 0), conditions.get(p, 0),
                audits.get(p, 0), anchors[p]) for p in patient_ids}


def test_killed_check_saving_keeps_every_committed_check_whole(
    ctx: AppContext, db_url: str, tmp_path: Path
) -> None:
    builder = RegisterBuilder(ctx)
    patients = [builder.patient(given=f"Patient{i}", dob=date(1966, 4, 1)).id
                for i in range(CHECK_PATIENTS)]
    builder.commit()
    script = tmp_path / "save_checks.py"
    script.write_text(CHECK_SCRIPT, encoding="utf-8")
    sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None

    reported: set[int] = set()
    complete: set[int] = set()
    whole: CheckState | None = None
    for rounds, (commits, pause) in enumerate(KILL_POINTS, start=1):
        pending = [p for p in patients if p not in complete]
        errors = tmp_path / f"round{rounds}.err"
        with errors.open("wb") as err, _started(
            [PYTHON, str(script), db_url, TODAY.isoformat(), *map(str, pending)],
            stdout=subprocess.PIPE, stderr=err,
        ) as proc:
            assert proc.stdout is not None
            lines = _Lines(proc.stdout.fileno())
            lines.wait_for(lambda line: line == "ready", "the helper starting")
            for _ in range(commits):
                lines.wait_for(lambda line: line.startswith("committed "), "a commit")
            time.sleep(pause)  # a different point in the next patient's transaction each round
            _sigkill(proc)
            lines.rest()
        _assert_killed(proc, "saving checks", errors)
        reported |= {int(line.split()[1]) for line in lines.seen if line.startswith("committed ")}

        states = _check_states(ctx, patients)
        if whole is None:  # what one whole check of this form writes
            whole = states[min(reported)]
            assert {codes.SYSTOLIC_BP, codes.HBA1C, codes.TOTAL_CHOLESTEROL, codes.SMOKER,
                    codes.AUDIT_C, codes.QRISK3_SCORE} <= whole[0], whole
            assert whole[1] > 0 and whole[2] > 0 and whole[3] == 1 and whole[4] == CHECK_ON
        partial = {p: s for p, s in states.items() if s not in (NO_CHECK, whole)}
        assert not partial, f"half-saved checks after kill {rounds}: {partial}"
        complete = {p for p, s in states.items() if s == whole}
        assert reported <= complete, f"reported but lost: {sorted(reported - complete)}"
        # at most one commit per kill can have happened without its line being printed
        assert len(complete - reported) <= rounds, sorted(complete - reported)
        if sqlite_file:
            _assert_sound(sqlite_file)

    pending = [p for p in patients if p not in complete]
    _run([PYTHON, str(script), db_url, TODAY.isoformat(), *map(str, pending)])
    assert set(_check_states(ctx, patients).values()) == {whole}


# -- (c) letter batches --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed SQLite file holding the demo register; each test works on a copy."""
    path = tmp_path_factory.mktemp("letters") / "demo.sqlite3"
    ctx = open_test_context(f"sqlite:///{path}")
    try:
        build_demo_register(ctx.new_uow(), LETTER_PATIENTS, 1, TODAY)
    finally:
        ctx.close()
    return path


def _copy(demo_register: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.sqlite3"
    db.write_bytes(demo_register.read_bytes())
    return db


def _complete_pdf(path: Path) -> bool:
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
        return False
    try:
        return len(PdfReader(path).pages) > 0
    except Exception:
        return False


def _letters(url: str, out: Path, batch: tuple[str, ...]) -> list[str]:
    return _cli(url, "letters", *batch, "--out", str(out), "--date", AS_OF)


@pytest.mark.parametrize("merged", [True, False], ids=["merged-pdf", "folder"])
def test_killed_letter_batch_leaves_no_half_written_letters(
    demo_register: Path, tmp_path: Path, merged: bool
) -> None:
    db = _copy(demo_register, tmp_path)
    url = f"sqlite:///{db}"
    before = _snapshot(db)
    target = tmp_path / "out"
    target.mkdir()
    out = target / "letters.pdf" if merged else target / "letters"

    # Progress ("25 of 134 letters") is only printed to a terminal: give it one.
    terminal, child_end = os.openpty()
    log = tmp_path / "letters.log"
    try:
        with log.open("wb") as stdout, _started(_letters(url, out, BIG_BATCH), stdout=stdout,
                                                stderr=child_end) as proc:
            os.close(child_end)
            lines = _Lines(terminal)

            def part_way(line: str) -> bool:
                found = re.fullmatch(r"([\d,]+) of ([\d,]+) letters", line)
                if found is None:
                    return False
                done, total = (int(n.replace(",", "")) for n in found.groups())
                return 0 < done < total

            progress = lines.wait_for(part_way, "a letter batch part way through")
            _sigkill(proc)
            lines.rest()
    finally:
        with suppress(OSError):
            os.close(child_end)
        os.close(terminal)
    _assert_killed(proc, "the letter batch", log)
    done, total = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", progress))

    if merged:
        # rendering had not finished, so nothing was written; only ever a .part could be
        left = {p.name for p in target.iterdir()}
        assert left <= {"letters.pdf.part"}, f"killed at {progress!r}, found {left}"
    else:
        written = sorted(out.iterdir())
        assert done <= len(written) <= total, (progress, len(written))
        for path in written:
            assert LETTER_NAME.fullmatch(path.name) and _complete_pdf(path), path
    assert _snapshot(db) == before, "letters must write nothing to the database"

    # The same batch again runs to completion.
    result = _run(_letters(url, out, BIG_BATCH))
    assert f"{total:,} review letters written to" in result.stdout, result.stdout
    if merged:
        assert {p.name for p in target.iterdir()} == {"letters.pdf"}
        assert _complete_pdf(out) and len(PdfReader(out).pages) >= total
    else:
        written = sorted(out.iterdir())
        assert len(written) == total
        assert all(LETTER_NAME.fullmatch(p.name) and _complete_pdf(p) for p in written)
    assert _snapshot(db) == before


def _kill_while_writing(tmp_path: Path, url: str, mode: str, out: Path) -> None:
    script = tmp_path / "kill_while_writing.py"
    script.write_text(KILL_WHILE_WRITING, encoding="utf-8")
    args = [PYTHON, str(script), mode, *_letters(url, out, SMALL_BATCH)[3:]]
    done = subprocess.run(args, cwd=REPO, env=_env(), capture_output=True, timeout=3 * WAIT,
                          check=False)
    assert done.returncode == -signal.SIGKILL, (
        f"the batch was not killed while writing (exit code {done.returncode}): "
        f"{done.stdout!r} {done.stderr[-2000:]!r}")


def test_merged_pdf_killed_while_being_written_never_has_its_real_name(
    demo_register: Path, tmp_path: Path
) -> None:
    db = _copy(demo_register, tmp_path)
    url = f"sqlite:///{db}"
    before = _snapshot(db)
    out = tmp_path / "letters.pdf"
    part = tmp_path / "letters.pdf.part"

    _kill_while_writing(tmp_path, url, "merged", out)
    assert not out.exists(), "a half-written merged PDF has the real name"
    assert part.exists() and not _complete_pdf(part), "the kill was meant to land mid-write"

    result = _run(_letters(url, out, SMALL_BATCH))
    count = int(re.findall(r"([\d,]+) review letters", result.stdout)[0])
    assert count >= 3 and _complete_pdf(out) and not part.exists()
    good = out.read_bytes()

    # A killed re-run leaves the earlier complete file exactly as it was.
    _kill_while_writing(tmp_path, url, "merged", out)
    assert out.read_bytes() == good
    assert _snapshot(db) == before


def test_folder_letter_killed_while_being_written_is_never_left_truncated(
    demo_register: Path, tmp_path: Path
) -> None:
    db = _copy(demo_register, tmp_path)
    before = _snapshot(db)
    out = tmp_path / "letters"
    _kill_while_writing(tmp_path, f"sqlite:///{db}", "folder", out)
    assert _snapshot(db) == before
    written = sorted(out.iterdir())
    assert len(written) >= 3, "the kill was meant to land in the third letter"
    truncated = [p.name for p in written
                 if LETTER_NAME.fullmatch(p.name) and not _complete_pdf(p)]
    assert truncated == [], f"letters left half-written under their real names: {truncated}"
