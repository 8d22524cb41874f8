"""``facilitator-app users``, ``audit`` and ``settings``, and signing in on the command line.

Every command that reads or writes the register signs in first, as the desktop app does: the
user name comes from ``--user`` or ``$FACILITATOR_USER``, the password from
``$FACILITATOR_PASSWORD`` or, at a terminal, a prompt that does not echo.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import (
    Subcommands,
    UsageError,
    date_arg,
    exported,
    set_handler,
    write_rows,
)
from facilitator_app.domain.access import Role
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.render.tabular import write_table
from facilitator_app.services.accounts import (
    add_user,
    change_password,
    list_users,
    set_user_active,
)
from facilitator_app.services.audit import AuditQuery, AuditRow, search_audit, verify_audit
from facilitator_app.services.settings import idle_lock_minutes, set_idle_lock_minutes

USER_ENV_VAR = "FACILITATOR_USER"
PASSWORD_ENV_VAR = "FACILITATOR_PASSWORD"
NEW_PASSWORD_ENV_VAR = "FACILITATOR_NEW_PASSWORD"


def add_commands(commands: Subcommands) -> None:
    users = commands.add_parser(
        "users", help="user accounts: the first administrator, adding users, passwords",
        description="Local accounts with roles. The first account of a register is its "
        "administrator (create-admin); it adds everyone else. New passwords come from "
        f"${NEW_PASSWORD_ENV_VAR} or a prompt; at least 10 characters.")
    sub = users.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    admin = sub.add_parser("create-admin", help="first run: create the administrator "
                           f"(password from ${PASSWORD_ENV_VAR} or a prompt)")
    admin.add_argument("username")
    admin.add_argument("--name", default="", help="the person's name (default: the user name)")
    admin.set_defaults(first_run=True)
    add = sub.add_parser("add", help="add a user (administrator)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--practice", metavar="CODE",
                     help="the practice of a gp or practice_manager account")
    add.add_argument("--name", default="", help="the person's name (default: the user name)")
    set_handler(add, _add)
    listing = sub.add_parser("list", help="list the accounts (administrator)")
    set_handler(listing, _list)
    password = sub.add_parser("password", help="change your password, or reset a user's "
                              "(administrator)")
    password.add_argument("username")
    set_handler(password, _change_password)
    for verb, active in (("deactivate", False), ("activate", True)):
        p = sub.add_parser(verb, help=f"switch an account {'off' if not active else 'on'} "
                           "(administrator)")
        p.add_argument("username")
        set_handler(p, _set_active, active=active)

    audit = commands.add_parser("audit", help="the audit trail: search it, verify its chain")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    listing = audit_sub.add_parser("list", help="entries, newest first (administrator)")
    listing.add_argument("--user", dest="audit_user", metavar="NAME")
    listing.add_argument("--action", metavar="ACTION", help="e.g. view, update, export, letter")
    listing.add_argument("--entity", metavar="ENTITY", help="e.g. patient, user, setting")
    listing.add_argument("--from", dest="start", type=date_arg, metavar="DATE")
    listing.add_argument("--to", dest="end", type=date_arg, metavar="DATE")
    listing.add_argument("--limit", type=int, default=200, metavar="N")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.add_argument("--out", type=Path, metavar="FILE")
    set_handler(listing, _audit_list)
    verify = audit_sub.add_parser("verify", help="recompute the hash chain and report any "
                                  "break (administrator)")
    set_handler(verify, _audit_verify)

    settings = commands.add_parser("settings", help="settings shared by everyone on the "
                                   "register")
    settings_sub = settings.add_subparsers(dest="settings_command", metavar="COMMAND",
                                           required=True)
    idle = settings_sub.add_parser("idle-lock", help="show or set the minutes before the app "
                                   "locks itself when left alone")
    idle.add_argument("minutes", type=int, nargs="?")
    set_handler(idle, _idle_lock)


# -- signing in ------------------------------------------------------------------------------


def sign_in(ctx: AppContext, username: str | None) -> None:
    """Sign in with --user / $FACILITATOR_USER and $FACILITATOR_PASSWORD or a prompt."""
    username = username or os.environ.get(USER_ENV_VAR) or ""
    if ctx.needs_first_account():
        raise UsageError("This register has no accounts yet. Create its administrator first: "
                         "facilitator-app users create-admin USERNAME")
    if not username:
        raise UsageError(f"Sign in: give your user name with --user or ${USER_ENV_VAR}.")
    ctx.sign_in(username, _password_text(PASSWORD_ENV_VAR, f"Password for {username}: "))


def create_admin(ctx: AppContext, args: argparse.Namespace) -> int:
    if not ctx.needs_first_account():
        raise UsageError("This register already has accounts; an administrator adds users "
                         "with: facilitator-app users add")
    password = _password_text(PASSWORD_ENV_VAR, f"New password for {args.username}: ", confirm=True)
    actor = ctx.create_first_administrator(args.username, args.name or args.username, password)
    where = "encrypted register" if ctx.encrypted else "register"
    print(f"Administrator {actor.username} created; the {where} is at {ctx.database}.")
    if ctx.encrypted:
        print("Keep the password safe: without it (or another account's) the register cannot "
              "be opened.")
    return 0


def _password_text(env_var: str, prompt: str, confirm: bool = False) -> str:
    given = os.environ.get(env_var)
    if given:
        return given
    if not sys.stdin.isatty():
        raise UsageError(f"No password: set ${env_var}, or run the command at a terminal.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise UsageError("The two passwords differ; nothing was changed.")
    return first


# -- users ----------------------------------------------------------------------------------


def _add(ctx: AppContext, args: argparse.Namespace) -> int:
    password = _password_text(NEW_PASSWORD_ENV_VAR, f"Password for the new user {args.username}: ",
                         confirm=True)
    add_user(ctx.new_uow(), args.username, args.name or args.username, Role(args.role),
             args.practice, password, ctx.cost)
    print(f"Added {args.username} ({Role(args.role).label}"
          f"{', practice ' + args.practice if args.practice else ''}).")
    return 0


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    rows = [[u.username, u.display_name, u.role.label, u.practice_code or "",
             "yes" if u.active else "no"] for u in list_users(ctx.new_uow())]
    write_table(("User", "Name", "Role", "Practice", "Active"), (16, 24, 26, 8, 6), rows,
                sys.stdout)
    return 0


def _change_password(ctx: AppContext, args: argparse.Namespace) -> int:
    actor = ctx.actor
    own = actor is not None and actor.username == args.username
    current = os.environ.get(PASSWORD_ENV_VAR) if own else None
    new = _password_text(NEW_PASSWORD_ENV_VAR, f"New password for {args.username}: ")
    change_password(ctx.new_uow(), args.username, new, current, ctx.cost)
    print(f"Password of {args.username} changed.")
    return 0


def _set_active(ctx: AppContext, args: argparse.Namespace) -> int:
    set_user_active(ctx.new_uow(), args.username, args.active)
    print(f"{args.username} is now {'active' if args.active else 'switched off'}.")
    if args.active and ctx.encrypted:
        print(f"Give them a new password before they sign in: facilitator-app users password "
              f"{args.username}")
    return 0


# -- audit ----------------------------------------------------------------------------------

AUDIT_HEADERS = ("Id", "When (UTC)", "User", "Action", "Entity", "Reference", "Detail")


def _audit_cells(row: AuditRow) -> list[str]:
    return [str(row.id), f"{format_uk_date(row.occurred_at.date())} "
            f"{row.occurred_at:%H:%M:%S}", row.username, row.action, row.entity,
            row.entity_ref or "", row.detail]


def _audit_list(ctx: AppContext, args: argparse.Namespace) -> int:
    query = AuditQuery(username=args.audit_user, action=args.action, entity=args.entity,
                       occurred_from=args.start, occurred_to=args.end)
    total, rows = search_audit(ctx.new_uow(), query, limit=args.limit)
    cells = [_audit_cells(r) for r in rows]
    write_rows(args.format, AUDIT_HEADERS, (6, 19, 12, 14, 14, 36, 40), cells, args.out)
    print(f"{len(rows):,} of {total:,} matching entries.", file=sys.stderr)
    if args.out:
        exported(ctx, "audit_trail", len(rows), args.out, identifiable=False)
    return 0


def _audit_verify(ctx: AppContext, args: argparse.Namespace) -> int:
    report = verify_audit(ctx.new_uow())
    if report.intact:
        print(f"Audit trail intact: {report.entries:,} entries; head hash {report.head_hash}. "
              "Note the head hash somewhere outside this laptop to anchor the chain.")
        return 0
    print(f"AUDIT TRAIL BROKEN at entry {report.first_break}: {report.problem}. "
          f"{report.entries:,} entries read. Report this to your IG lead.", file=sys.stderr)
    return 1


# -- settings -------------------------------------------------------------------------------


def _idle_lock(ctx: AppContext, args: argparse.Namespace) -> int:
    if args.minutes is None:
        print(f"The app locks after {idle_lock_minutes(ctx.new_uow())} minutes left alone.")
        return 0
    set_idle_lock_minutes(ctx.new_uow(), args.minutes)
    print(f"The app now locks after {args.minutes} minutes left alone.")
    return 0
