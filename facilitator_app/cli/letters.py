"""``facilitator-app letters``: physical health review letters, one patient or a batch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, date_arg, exported, set_handler
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.letters import (
    LetterBatch,
    LetterKind,
    run_letter_batch,
    write_patient_letter,
)
from facilitator_app.services.patients import PatientNotFound, find_patient_id


def add_commands(commands: Subcommands) -> None:
    letters = commands.add_parser(
        "letters", help="physical health review letters (A4 PDF), one patient or a batch",
        description="Letters for one practice: every patient with a check in a date range, "
        "or every patient whose check is due (overdue or due within 30 days), or one patient "
        "(--nhs-number). --out is a FILE.pdf (one merged PDF, each letter numbering its own "
        "pages) or a folder (one PDF per patient, named by NHS number). Kinds: review (to the "
        "patient, plain English), record (clinical wording, for the record), invitation (the "
        "check is due). The letterhead is the practice's: see 'practice letterhead'.")
    letters.add_argument("--practice", metavar="CODE", help="the practice (ODS code)")
    which = letters.add_mutually_exclusive_group(required=True)
    which.add_argument("--checked-between", nargs=2, type=date_arg, metavar=("D1", "D2"),
                       dest="checked_between", help="patients with a check in this range "
                       "(dd/mm/yyyy, both ends included)")
    which.add_argument("--due", action="store_true", help="patients whose check is due")
    which.add_argument("--nhs-number", metavar="NUMBER", dest="nhs_number",
                       help="one patient")
    letters.add_argument("--kind", choices=[k.value for k in LetterKind], default="review")
    letters.add_argument("--out", type=Path, required=True, metavar="DIR|FILE.pdf")
    letters.add_argument("--signed-by", metavar="NAME", dest="signed_by",
                         help="name in the signature block (default: Mental health "
                         "facilitator)")
    letters.add_argument("--date", type=date_arg, metavar="DATE", dest="on",
                         help="the letters' date, from which due and recent results are "
                         "worked out, dd/mm/yyyy (default today)")
    letters.add_argument("--workers", type=int, metavar="N",
                         help="processes to render with (default: one per core)")
    set_handler(letters, _letters)



def _letters(ctx: AppContext, args: argparse.Namespace) -> int:
    today = args.on or ctx.today()
    kind = LetterKind(args.kind)
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if args.nhs_number:
        try:
            patient_id = find_patient_id(ctx.new_uow(), args.nhs_number)
            path = write_patient_letter(ctx.new_uow, patient_id, kind, today, args.out,
                                        signed_by=args.signed_by)
        except PatientNotFound as exc:
            raise UsageError(str(exc)) from None
        print(f"1 {kind.value} letter written to {path}.")
        exported(ctx, "letter", 1, path, identifiable=True, audited=True)
        return 0
    if not args.practice:
        raise UsageError("--practice CODE is needed with --checked-between or --due")
    batch = LetterBatch(args.practice, kind, args.out,
                        checked_between=tuple(args.checked_between)
                        if args.checked_between else None,
                        due=args.due, signed_by=args.signed_by)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {done:,} of {total:,} letters", end="", file=sys.stderr, flush=True)

    try:
        outcome = run_letter_batch(ctx.new_uow, batch, today, progress, workers=args.workers)
    except (UnknownPractice, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if sys.stderr.isatty() and outcome.letters:
        print(file=sys.stderr)
    print(outcome.describe(batch), file=sys.stderr if not outcome.letters else sys.stdout)
    if outcome.letters:
        exported(ctx, "letters", outcome.letters, args.out, identifiable=True, audited=True)
    return 0
