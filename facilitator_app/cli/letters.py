"""``facilitator-app letters``: physical health review letters, one patient or a batch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, date_arg, set_handler
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.letters import (
    Letter,
    LetterKind,
    letter_for,
    letter_patients,
    write_letters,
)
from facilitator_app.services.patients import PatientNotFound, find_patient_id


def add_commands(commands: Subcommands) -> None:
    letters = commands.add_parser(
        "letters", help="physical health review letters (A4 PDF), one patient or a batch",
        description="Letters for one practice: every patient with a check in a date range, "
        "or every patient whose check is due, or one patient (--nhs-number). --out is a "
        "folder (one PDF per patient) or a FILE.pdf (one merged PDF).")
    letters.add_argument("--practice", metavar="CODE", help="the practice (ODS code)")
    which = letters.add_mutually_exclusive_group(required=True)
    which.add_argument("--checked-between", nargs=2, type=date_arg, metavar=("D1", "D2"),
                       dest="checked_between", help="patients with a check in this range")
    which.add_argument("--due", action="store_true", help="patients whose check is due")
    which.add_argument("--nhs-number", metavar="NUMBER", dest="nhs_number",
                       help="one patient")
    letters.add_argument("--kind", choices=[k.value for k in LetterKind], default="review")
    letters.add_argument("--out", type=Path, required=True, metavar="DIR|FILE.pdf")
    letters.add_argument("--signed-by", metavar="NAME", dest="signed_by",
                         help="name in the signature block")
    letters.add_argument("--logo", type=Path, metavar="IMAGE", help="letterhead logo (PNG/JPEG)")
    letters.add_argument("--workers", type=int, metavar="N",
                         help="processes to render with (default: one per core)")
    set_handler(letters, _letters)


def _letters(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    kind = LetterKind(args.kind)
    try:
        if args.nhs_number:
            ids = [find_patient_id(ctx.new_uow(), args.nhs_number)]
        elif not args.practice:
            raise UsageError("--practice CODE is needed with --checked-between or --due")
        else:
            ids = letter_patients(ctx.new_uow(), args.practice, today,
                                  checked_between=tuple(args.checked_between)
                                  if args.checked_between else None, due=args.due)
    except (UnknownPractice, PatientNotFound) as exc:
        raise UsageError(str(exc)) from None
    if not ids:
        print("No patients match: no letters written.", file=sys.stderr)
        return 0

    def letters() -> Iterator[Letter]:
        for patient_id in ids:
            yield letter_for(ctx.new_uow, patient_id, kind, today, signed_by=args.signed_by,
                             logo=args.logo)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {done:,} of {total:,} letters", end="", file=sys.stderr, flush=True)

    merged = args.out.suffix.lower() == ".pdf"
    files = write_letters(letters(), len(ids), args.out, merged=merged, progress=progress,
                          workers=args.workers)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    where = args.out if merged else f"{len(files):,} files in {args.out}"
    print(f"{len(ids):,} {kind.value} letters written to {where}.")
    return 0
