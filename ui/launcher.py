"""The ``facilitator-app`` entry point: the command line with the desktop app plugged in.

The CLI (facilitator_app/cli) knows nothing of Qt; this module is where the two faces are put
together, and Qt is imported only when a window is actually shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from facilitator_app import cli

if TYPE_CHECKING:
    from facilitator_app.bootstrap import AppContext


def _run_gui(ctx: AppContext, demo_patients: int) -> int:
    from ui.app import run_gui  # Qt only when there is a window to show

    return run_gui(ctx, demo_patients=demo_patients)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, gui=_run_gui)
