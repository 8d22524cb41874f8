"""The desktop app's entry point, called by ``facilitator-app gui``."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from facilitator_app import __version__
from ui.screens.sign_in import SignInDialog

if TYPE_CHECKING:  # ui never imports the composition root at run time (it loads the adapters)
    from facilitator_app.bootstrap import AppContext


def make_application() -> QApplication:
    """The one QApplication; its names decide where Qt keeps settings."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Facilitator")
    app.setOrganizationName("Facilitator")
    app.setApplicationVersion(__version__)
    return app


EXIT_AFTER_FIRST_PAINT = "FACILITATOR_EXIT_AFTER_FIRST_PAINT"


class _FirstPaintProbe(QObject):
    """For the cold-start benchmark: report the first paint of the window on stdout, quit."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            print("first-paint", flush=True)
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def run_gui(ctx: AppContext, demo_patients: int) -> int:
    """Sign in (or, on a first run, create the administrator), then show the main window; on
    an empty database, build a demo register first (off the GUI thread, with progress and
    Cancel). Returns the event loop's exit code."""
    app = make_application()
    probe = _FirstPaintProbe(app) if os.environ.get(EXIT_AFTER_FIRST_PAINT) else None
    if ctx.actor is None:
        sign_in = SignInDialog(ctx)
        if probe is not None:  # the cold start ends when the first window is painted
            sign_in.installEventFilter(probe)
            sign_in.show()
            return app.exec()
        if sign_in.exec() != QDialog.DialogCode.Accepted:
            return 0
    from ui.main_window import MainWindow  # every screen: loaded while no one waits on it

    window = MainWindow(ctx)
    if probe is not None:
        window.installEventFilter(probe)
    window.show()
    window.start(demo_patients)
    code = app.exec()
    window.writer.shutdown()  # closing the window did this already; quitting otherwise didn't
    return code
