"""``facilitator-app practice``: the practices in the register and the letterhead each prints."""

from __future__ import annotations

import argparse
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, set_handler
from facilitator_app.domain.letterhead import logo_format
from facilitator_app.services.caseload import UnknownPractice, list_practices
from facilitator_app.services.letterhead import (
    InvalidLetterhead,
    LetterheadChanged,
    practice_letterhead,
    save_letterhead,
)
from facilitator_app.services.letters import Letterhead


def add_commands(commands: Subcommands) -> None:
    practice = commands.add_parser(
        "practice", help="practices and their letterheads",
        description="The practices in this register and the letterhead each prints.")
    sub = practice.add_subparsers(dest="practice_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help="every practice with its patient count")
    set_handler(listing, _practice_list)
    head = sub.add_parser(
        "letterhead", help="show or change a practice's letterhead",
        description="Without options, shows the letterhead. With options, changes only what "
        "is given. Address lines are separated by '|' or given as one --address per line.")
    head.add_argument("code", metavar="CODE", help="the practice (ODS code)")
    head.add_argument("--name", help="practice name")
    head.add_argument("--address", action="append", metavar="LINES",
                      help="address; repeat for each line, or separate lines with '|'")
    head.add_argument("--phone", help="telephone number")
    logo = head.add_mutually_exclusive_group()
    logo.add_argument("--logo", type=Path, metavar="IMAGE", help="logo, PNG or JPEG (≤ 1 MB)")
    logo.add_argument("--no-logo", action="store_true", dest="no_logo",
                      help="remove the logo")
    set_handler(head, _practice_letterhead)


def _practice_list(ctx: AppContext, args: argparse.Namespace) -> int:
    for row in list_practices(ctx.new_uow()):
        print(f"{row.code:<8}  {row.name:<40}  {row.patient_count:>7,} patients")
    return 0


def _address(parts: list[str]) -> str:
    return "\n".join(line.strip() for part in parts for line in part.split("|") if line.strip())


def _practice_letterhead(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        current = practice_letterhead(ctx.new_uow(), args.code)
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    head = current.letterhead
    changing = any(v is not None for v in (args.name, args.address, args.phone, args.logo)) \
        or args.no_logo
    if changing:
        logo = head.logo
        if args.no_logo:
            logo = None
        elif args.logo is not None:
            try:
                logo = args.logo.read_bytes()
            except OSError as exc:
                raise UsageError(f"Cannot read the logo {args.logo}: {exc.strerror}") from None
        new = Letterhead(args.name if args.name is not None else head.name,
                         _address(args.address) if args.address is not None else head.address,
                         args.phone if args.phone is not None else head.phone, logo)
        try:
            head = save_letterhead(ctx.new_uow(), args.code, new, current.version).letterhead
        except InvalidLetterhead as exc:
            raise UsageError("\n".join(f"{p.field}: {p.message}" for p in exc.problems)) \
                from None
        except LetterheadChanged as exc:
            raise UsageError(str(exc)) from None
        print(f"Letterhead of {args.code} saved.")
    print(head.name)
    for line in head.address.splitlines():
        print(line)
    if head.phone:
        print(f"Telephone {head.phone}")
    if head.logo:
        print(f"Logo: {logo_format(head.logo) or 'image'}, {len(head.logo):,} bytes")
    else:
        print("Logo: none")
    return 0
