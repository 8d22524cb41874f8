"""``facilitator-app episode`` (stepped care), ``facilitator-app measure`` (questionnaires item
by item) and ``facilitator-app outcomes report``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, date_arg, exported, set_handler
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.measures import RISK_MESSAGE, SPECS, InvalidAnswers, Measure
from facilitator_app.domain.outcomes import format_rate
from facilitator_app.domain.stepped_care import (
    Attendance,
    DischargeReason,
    Intervention,
    ReferralStatus,
    ReferralTarget,
)
from facilitator_app.services.outcome_measures import (
    InvalidRecord,
    RiskActionRequired,
    record_measure,
)
from facilitator_app.services.outcomes_report import (
    OutcomeBy,
    outcomes_report,
    write_outcomes_report,
)
from facilitator_app.services.patients import PatientNotFound, find_patient_id
from facilitator_app.services.stepped_care import (
    EpisodeChanged,
    EpisodeNotFound,
    InvalidEpisode,
    add_intervention,
    change_step,
    discharge,
    episode_detail,
    open_episode,
    patient_episodes,
    record_session,
    refer_to_specialist,
    referral_by_id,
    update_referral,
)


def add_commands(commands: Subcommands) -> None:
    episode = commands.add_parser("episode", help="stepped-care episodes: referral to "
                                  "discharge")
    sub = episode.add_subparsers(dest="episode_command", metavar="COMMAND", required=True)

    def cmd(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text)
        parser.add_argument("--date", type=date_arg, dest="on", metavar="DATE",
                            help="when, dd/mm/yyyy (default today)")
        return parser

    p = cmd("open", "open an episode for a patient (referral to the facilitator)")
    p.add_argument("nhs_number", metavar="NHS_NUMBER")
    p.add_argument("--source", required=True, help="who referred (GP, self, CMHT...)")
    p.add_argument("--step", type=int, default=1, choices=range(1, 6))
    p.add_argument("--facilitator", default="", help="who holds the episode")
    set_handler(p, _open)
    p = cmd("intervention", "start an intervention in an episode")
    p.add_argument("episode", type=int, metavar="EPISODE_ID")
    p.add_argument("--kind", required=True, choices=[i.value for i in Intervention])
    p.add_argument("--delivered-by", default="", dest="delivered_by",
                   help="provider, when not the facilitator")
    set_handler(p, _intervention)
    p = cmd("session", "record a session of an intervention")
    p.add_argument("intervention", type=int, metavar="INTERVENTION_ID")
    p.add_argument("--minutes", type=int, default=0)
    p.add_argument("--attendance", required=True, choices=[a.value for a in Attendance])
    p.add_argument("--note", default="")
    set_handler(p, _session)
    p = cmd("step", "step up or down, with the reason")
    p.add_argument("episode", type=int, metavar="EPISODE_ID")
    p.add_argument("--to", type=int, required=True, dest="to_step", choices=range(1, 6))
    p.add_argument("--reason", required=True)
    set_handler(p, _step)
    p = cmd("refer", "refer on to specialist care")
    p.add_argument("episode", type=int, metavar="EPISODE_ID")
    p.add_argument("--to", required=True, dest="target",
                   choices=[t.value for t in ReferralTarget])
    p.add_argument("--note", default="")
    set_handler(p, _refer)
    p = cmd("referral", "record a specialist referral's status")
    p.add_argument("referral", type=int, metavar="REFERRAL_ID")
    p.add_argument("--status", required=True, choices=[s.value for s in ReferralStatus])
    set_handler(p, _referral)
    p = cmd("discharge", "discharge an episode")
    p.add_argument("episode", type=int, metavar="EPISODE_ID")
    p.add_argument("--reason", required=True, choices=[r.value for r in DischargeReason])
    p.add_argument("--note", default="")
    set_handler(p, _discharge)
    p = sub.add_parser("show", help="a patient's episodes with their timeline and outcome")
    p.add_argument("nhs_number", metavar="NHS_NUMBER")
    set_handler(p, _show)

    measure = commands.add_parser("measure", help="record a questionnaire item by item")
    msub = measure.add_subparsers(dest="measure_command", metavar="COMMAND", required=True)
    p = msub.add_parser("record", help="PHQ-9, GAD-7, SWEMWBS, DIALOG or ReQoL-10")
    p.add_argument("nhs_number", metavar="NHS_NUMBER")
    p.add_argument("--measure", required=True, choices=[m.value for m in Measure])
    p.add_argument("--answers", required=True, metavar="A,B,...",
                   help="every item's answer in order, comma-separated")
    p.add_argument("--date", type=date_arg, dest="on", metavar="DATE")
    p.add_argument("--risk-action", default="", dest="risk_action",
                   help="PHQ-9 item 9 above 0: the risk action taken (required then)")
    set_handler(p, _measure)

    outcomes = commands.add_parser("outcomes", help="outcomes of care episodes")
    osub = outcomes.add_subparsers(dest="outcomes_command", metavar="COMMAND", required=True)
    p = osub.add_parser(
        "report", help="counts, % recovered and % reliably improved for a period",
        description="Episodes discharged between D1 and D2, grouped by intervention, step or "
        "provider (NHS Talking Therapies definitions). --out FILE.csv or FILE.xlsx; without "
        "--out, a table on stdout. Aggregate figures only.")
    p.add_argument("--from", type=date_arg, required=True, dest="start", metavar="D1")
    p.add_argument("--to", type=date_arg, required=True, dest="end", metavar="D2")
    p.add_argument("--by", choices=[b.value for b in OutcomeBy], default="intervention")
    p.add_argument("--out", type=Path, metavar="FILE")
    set_handler(p, _outcomes_report)


def _problems(exc: InvalidEpisode | InvalidRecord) -> UsageError:
    if isinstance(exc, InvalidEpisode):
        return UsageError("\n".join(f"{p.field}: {p.message}" for p in exc.problems))
    return UsageError("\n".join(exc.problems))


def _patient(ctx: AppContext, nhs_number: str) -> int:
    try:
        return find_patient_id(ctx.new_uow(), nhs_number)
    except PatientNotFound as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def _refusals() -> Iterator[None]:
    """An episode change's refusals as one-line messages naming the field."""
    try:
        yield
    except (InvalidEpisode, InvalidRecord) as exc:
        raise _problems(exc) from None
    except (EpisodeNotFound, EpisodeChanged) as exc:
        raise UsageError(str(exc)) from None


def _open(ctx: AppContext, args: argparse.Namespace) -> int:
    patient_id = _patient(ctx, args.nhs_number)
    today = ctx.today()
    with _refusals():
        episode_id = open_episode(ctx.new_uow(), patient_id, args.on or today, args.source,
                                  args.step, args.facilitator, today)
    print(f"Episode {episode_id} opened at step {args.step}.")
    return 0


def _intervention(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        new_id = add_intervention(ctx.new_uow(), args.episode, args.kind, args.on or today,
                                  args.delivered_by, today)
    print(f"Intervention {new_id} started.")
    return 0


def _session(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        record_session(ctx.new_uow(), args.intervention, args.on or today, args.minutes,
                       args.attendance, today, args.note)
    print("Session recorded.")
    return 0


def _step(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        version = episode_detail(ctx.new_uow(), args.episode).episode.version
        change_step(ctx.new_uow(), args.episode, args.on or today, args.to_step, args.reason,
                    today, version)
    print(f"Episode {args.episode} now at step {args.to_step}.")
    return 0


def _refer(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        new_id = refer_to_specialist(ctx.new_uow(), args.episode, args.target,
                                     args.on or today, args.note, today)
    print(f"Referral {new_id} sent.")
    return 0


def _referral(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        version = referral_by_id(ctx.new_uow(), args.referral).version
        update_referral(ctx.new_uow(), args.referral, args.status, args.on or today, today,
                        version)
    print(f"Referral {args.referral}: {args.status}.")
    return 0


def _discharge(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    with _refusals():
        version = episode_detail(ctx.new_uow(), args.episode).episode.version
        discharge(ctx.new_uow(), args.episode, args.on or today, args.reason, args.note,
                  today, version)
    print(f"Episode {args.episode} discharged.")
    return 0


def _show(ctx: AppContext, args: argparse.Namespace) -> int:
    patient_id = _patient(ctx, args.nhs_number)
    episodes = patient_episodes(ctx.new_uow(), patient_id)
    if not episodes:
        print("No care episodes.")
    for d in episodes:
        e = d.episode
        state = (f"discharged {format_uk_date(e.discharged_on)}" if e.discharged_on
                 else f"open, step {e.current_step}")
        print(f"Episode {e.id}: referred {format_uk_date(e.referred_on)} by "
              f"{e.referral_source}; {state}; {d.attended} attended sessions")
        for entry in d.timeline:
            print(f"  {format_uk_date(entry.on)}  {entry.text}")
        for reason in d.outcome.reasons:
            print(f"  outcome: {reason}")
    return 0


def _measure(ctx: AppContext, args: argparse.Namespace) -> int:
    patient_id = _patient(ctx, args.nhs_number)
    measure = Measure(args.measure)
    try:
        answers = [int(a) for a in args.answers.split(",")]
    except ValueError:
        raise UsageError("--answers takes whole numbers separated by commas, e.g. "
                         "0,1,2,0,1,0,0,1,0") from None
    today = ctx.today()
    try:
        saved = record_measure(ctx.new_uow(), patient_id, measure, answers, args.on or today,
                               today, risk_action=args.risk_action)
    except InvalidAnswers as exc:
        raise UsageError("\n".join(p.message for p in exc.problems)) from None
    except RiskActionRequired as exc:
        raise UsageError(f"{exc}\n{RISK_MESSAGE}") from None
    except InvalidRecord as exc:
        raise _problems(exc) from None
    score = saved.score
    band = f" ({score.band})" if score.band else ""
    print(f"{SPECS[measure].title} {score.score:g}{band} saved"
          + (f" to episode {saved.episode_id}." if saved.episode_id else "."))
    if score.risk_flag:
        print(RISK_MESSAGE)
    return 0


def _outcomes_report(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        report = outcomes_report(ctx.new_uow(), args.start, args.end, OutcomeBy(args.by))
        if args.out is not None:
            write_outcomes_report(report, args.out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(report.title)
    for group in (*report.groups, *([report.total] if report.total else [])):
        r = group.rates
        print(f"  {group.label:<34} {r.episodes:>5} ended, {r.paired:>4} finished and paired; "
              f"recovered {format_rate(r.recovery_rate)}, reliably improved "
              f"{format_rate(r.reliable_improvement_rate)}")
    if report.total is None:
        print("  No episodes ended in this period.")
    if args.out is not None:
        print(f"Written to {args.out}.")
        exported(ctx, "outcomes_report", len(report.groups), args.out, identifiable=False)
    return 0
