"""The main window: the caseload on the left, the selected patient's record on the right."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from facilitator_app import __version__
from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.money import format_pounds
from facilitator_app.services.backup import BackupInfo, BackupNotPossible, rolling_backup
from facilitator_app.services.budget import budget_position
from facilitator_app.services.demo import register_is_empty
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.ports import DemoSummary
from facilitator_app.services.settings import idle_lock_minutes
from ui.context import UiContext, can
from ui.screens.admin import AuditDialog, IdleLockDialog, PasswordDialog, UsersDialog
from ui.screens.budget import BudgetScreen
from ui.screens.caseload import CaseloadScreen
from ui.screens.demo_progress import DemoProgressDialog, demo_build_task
from ui.screens.follow_ups import FollowUpsScreen
from ui.screens.import_dialog import ImportDialog
from ui.screens.letterhead_dialog import LetterheadDialog
from ui.screens.letters_dialog import LettersDialog
from ui.screens.outcomes import OutcomesScreen
from ui.screens.patient_panel import PatientPanel
from ui.screens.qof import QofScreen
from ui.screens.service_directory import ServiceDirectoryDialog
from ui.screens.sign_in import IdleLock, LockDialog
from ui.screens.signposting_due import SignpostingDueScreen
from ui.screens.worklist import WorklistScreen
from ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

DEFAULT_SIZE = QSize(1280, 800)


def about_text() -> str:
    return (
        f"<h3>Facilitator {__version__}</h3>"
        "<p>Offline case management for primary-care mental health facilitators: the SMI "
        "register, the annual physical health check, recall and follow-ups.</p>"
        "<p>A demo register, when one is built, holds synthetic patients only: made-up names "
        "and addresses and NHS numbers from the never-issued 999 range.</p>"
        "<p>Dates are shown as dd/mm/yyyy.</p>"
        "<p>10-year cardiovascular risk is calculated by an independent implementation of the "
        "published QRISK3-2017 equation (Hippisley-Cox, Coupland &amp; Brindle, BMJ "
        "2017;357:j2099). Credit to ClinRisk Ltd, whose QRISK3-2017 source is published under "
        "the GNU LGPL v3; results should be checked against the original. QRISK is a "
        "registered trademark of its owners.</p>"
    )


class MainWindow(QMainWindow):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("Facilitator")
        self.writer = TaskRunner.writer(self)
        self._hidden_by_lock: list[QDialog] = []
        self.progress_dialog: DemoProgressDialog | None = None

        self.caseload = CaseloadScreen(ctx)
        self.panel = PatientPanel(ctx)
        self.caseload.patient_selected.connect(self.panel.show_patient)
        self.panel.record_changed.connect(self._data_changed)  # a check was saved
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.caseload)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self._splitter = splitter
        splitter.setChildrenCollapsible(False)

        self.worklist = WorklistScreen(ctx, load_now=False)
        self.worklist.patient_selected.connect(self.open_patient)
        self.follow_ups = FollowUpsScreen(ctx, load_now=False)
        self.follow_ups.patient_selected.connect(self.open_patient)
        self.follow_ups.follow_up_done.connect(self._data_changed)
        self.qof = QofScreen(ctx, load_now=False)
        self.qof.patient_selected.connect(self.open_patient)
        self.signposting = SignpostingDueScreen(ctx, load_now=False)
        self.signposting.patient_selected.connect(self.open_patient)
        self.signposting.signposting_changed.connect(self._data_changed)
        self.outcomes = OutcomesScreen(ctx, load_now=False)
        self.budget = BudgetScreen(ctx, load_now=False)
        self.budget.budget_changed.connect(self.refresh_budget_label)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Screens")
        self.tabs.tabBar().setAccessibleName("Choose a screen")
        # Each role sees the screens its work needs (the services refuse the rest anyway).
        for screen, title, permission in (
                (splitter, "&Caseload", Permission.VIEW_REGISTER),
                (self.worklist, "&Recall worklist", Permission.VIEW_REGISTER),
                (self.follow_ups, "&Follow-ups", Permission.VIEW_REGISTER),
                (self.qof, "&QOF", Permission.VIEW_QOF),
                (self.signposting, "Si&gnposting due", Permission.VIEW_REGISTER),
                (self.outcomes, "&Outcomes", Permission.VIEW_OUTCOMES),
                (self.budget, "Pathway &budget", Permission.VIEW_BUDGET)):
            if can(ctx, permission):
                self.tabs.addTab(screen, title)
            else:
                screen.hide()
        # Screens that read the whole register load when first shown, not at start-up.
        self._lazy: dict[QWidget, Callable[[], None]] = {
            self.worklist: self.worklist.reload, self.follow_ups: self.follow_ups.reload,
            self.qof: self.qof.reload, self.signposting: self.signposting.reload,
            self.outcomes: self.outcomes.reload, self.budget: self.budget.reload}
        self._shown: set[QWidget] = set()
        self.tabs.currentChanged.connect(self._tab_changed)
        self._tab_changed(self.tabs.currentIndex())  # a role whose first tab is a lazy one
        self.setCentralWidget(self.tabs)
        QWidget.setTabOrder(self.caseload.table, self.panel.elements_view)

        self.demo_label = QLabel()
        self.database_label = QLabel(f"Database: {ctx.database}"
                                     + (" (encrypted)" if ctx.encrypted else ""))
        self.database_label.setAccessibleName("Database")
        actor = ctx.actor
        self.user_label = QLabel(f"Signed in: {actor.username} ({actor.role.label})"
                                 if actor else "Not signed in")
        self.user_label.setAccessibleName("Signed in as")
        self.budget_label = QLabel()
        self.budget_label.setAccessibleName("Pathway budget this financial year")
        self.statusBar().addWidget(self.demo_label, 1)
        self.statusBar().addPermanentWidget(self.budget_label)
        self.statusBar().addPermanentWidget(self.database_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.refresh_budget_label()

        self._build_menus()
        self._fit_to_screen()
        self.lock_dialog: LockDialog | None = None
        self.idle_lock = IdleLock(idle_lock_minutes(ctx.new_uow()) if actor else 10, self)
        self.idle_lock.locked.connect(self.lock)
        app = QGuiApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_lock)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        import_action = QAction("&Import practice extract…", self)
        import_action.setShortcut(QKeySequence("Ctrl+I"))
        import_action.triggered.connect(self.show_import)
        file_menu.addAction(import_action)
        letters_action = QAction("&Letters…", self)
        letters_action.setShortcut(QKeySequence("Ctrl+L"))
        letters_action.triggered.connect(self.show_letters)
        file_menu.addAction(letters_action)
        import_action.setEnabled(can(self._ctx, Permission.IMPORT_DATA))
        letters_action.setEnabled(can(self._ctx, Permission.PRINT_LETTERS))
        file_menu.addSeparator()
        password_action = QAction("Change my &password…", self)
        password_action.triggered.connect(self.show_own_password)
        file_menu.addAction(password_action)
        lock_action = QAction("Loc&k now", self)
        lock_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        lock_action.triggered.connect(self.lock)
        file_menu.addAction(lock_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        # S&ettings, not &Settings: Alt+S is the caseload's "&Search:" (and "&Show:").
        settings_menu = self.menuBar().addMenu("S&ettings")
        letterhead_action = QAction("Practice &letterhead…", self)
        letterhead_action.triggered.connect(self.show_letterhead)
        settings_menu.addAction(letterhead_action)
        directory_action = QAction("Local &services directory…", self)
        directory_action.triggered.connect(self.show_service_directory)
        settings_menu.addAction(directory_action)
        idle_action = QAction("&Idle lock…", self)
        idle_action.triggered.connect(self.show_idle_lock)
        settings_menu.addAction(idle_action)
        for action in (letterhead_action, directory_action, idle_action):
            action.setEnabled(can(self._ctx, Permission.MANAGE_SETTINGS))
        if can(self._ctx, Permission.MANAGE_USERS) or can(self._ctx, Permission.VIEW_AUDIT):
            admin_menu = self.menuBar().addMenu("Ad&min")
            users_action = QAction("&User accounts…", self)
            users_action.triggered.connect(self.show_users)
            users_action.setEnabled(can(self._ctx, Permission.MANAGE_USERS))
            admin_menu.addAction(users_action)
            audit_action = QAction("&Audit trail…", self)
            audit_action.triggered.connect(self.show_audit)
            audit_action.setEnabled(can(self._ctx, Permission.VIEW_AUDIT))
            admin_menu.addAction(audit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("&About Facilitator", self)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def _fit_to_screen(self) -> None:
        """The default size, shrunk to the screen when a scale factor makes it too big."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(DEFAULT_SIZE)
            return
        room = screen.availableGeometry().size() * 0.95
        self.resize(DEFAULT_SIZE.boundedTo(room))
        width = self.width()
        # The caseload needs its name column; the record wraps, so it can take less.
        self._splitter.setSizes([width * 57 // 100, width * 43 // 100])

    def show_import(self) -> ImportDialog:
        """Non-modal, so the caseload stays usable while a big file is checked."""
        dialog = ImportDialog(self._ctx, self.writer, self)
        dialog.imported.connect(self._data_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_letters(self) -> LettersDialog:
        """Non-modal, like the import; the batch runs on the write pool, so quitting cancels
        and awaits it (its files are removed) rather than cutting it off."""
        dialog = LettersDialog(self._ctx, self.writer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_letterhead(self) -> LetterheadDialog:
        """Window-modal; a saved letterhead may rename its practice, so the lists reload."""
        dialog = LetterheadDialog(self._ctx, self)
        dialog.saved.connect(self._data_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_service_directory(self) -> ServiceDirectoryDialog:
        dialog = ServiceDirectoryDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_users(self) -> UsersDialog:
        dialog = UsersDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_audit(self) -> AuditDialog:
        dialog = AuditDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_idle_lock(self) -> IdleLockDialog:
        dialog = IdleLockDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.idle_lock.set_minutes(dialog.minutes.value()))
        dialog.open()
        return dialog

    def show_own_password(self) -> PasswordDialog | None:
        if self._ctx.actor is None:
            return None
        dialog = PasswordDialog(self._ctx, self._ctx.actor.username, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- the idle lock --------------------------------------------------------------------------

    def lock(self) -> LockDialog:
        """Hide every patient detail behind the lock until the password is given again."""
        if self.lock_dialog is not None:
            return self.lock_dialog
        self.idle_lock.pause()
        self.tabs.setVisible(False)
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.hide()
                self._hidden_by_lock.append(dialog)
        self.lock_dialog = LockDialog(self._ctx, self)
        self.lock_dialog.accepted.connect(self._unlocked)
        self.lock_dialog.rejected.connect(self.close)
        self.lock_dialog.open()
        return self.lock_dialog

    def _unlocked(self) -> None:
        self.lock_dialog = None
        self.tabs.setVisible(True)
        for dialog in self._hidden_by_lock:
            dialog.show()
        self._hidden_by_lock.clear()
        self.idle_lock.resume()

    def open_patient(self, patient_id: int) -> None:
        """From any list (worklist, follow-ups): show the patient's record beside the caseload."""
        self.tabs.setCurrentIndex(0)
        self.panel.show_patient(patient_id)

    def _tab_changed(self, index: int) -> None:
        screen = self.tabs.widget(index)
        if screen in self._lazy and screen not in self._shown:
            self._shown.add(screen)
            self._lazy[screen]()

    def _data_changed(self, *_args: object) -> None:
        """After an import or a saved check: every list showing register data reads it again
        (the lazy screens only once they have been looked at)."""
        self.caseload.reload()
        if self.panel.record is not None:
            self.panel.show_patient(self.panel.record.patient_id)
        for screen in self._shown:
            self._lazy[screen]()
        self.refresh_budget_label()

    def refresh_budget_label(self) -> None:
        """The pathway budget's position, always in view (one indexed query)."""
        if not can(self._ctx, Permission.VIEW_BUDGET):
            self.budget_label.setText("")
            return
        year = QofYear.containing(self._ctx.today())
        total = budget_position(self._ctx.new_uow(), year).total
        if total.budget == 0 and total.spent == 0 and total.committed == 0:
            self.budget_label.setText(f"No pathway budget set for {year.label}")
            return
        remaining = (f"remaining {format_pounds(total.remaining)}" if total.remaining >= 0
                     else f"overspent by {format_pounds(-total.remaining)}")
        self.budget_label.setText(
            f"Budget {year.label}: {format_pounds(total.budget)} · committed "
            f"{format_pounds(total.committed)} · spent {format_pounds(total.spent)} · "
            f"{remaining} · forecast {format_pounds(total.forecast)}")

    def show_about(self) -> None:
        QMessageBox.about(self, "About Facilitator", about_text())

    # -- the demo register ---------------------------------------------------------------------

    def start(self, demo_patients: int) -> Task | None:
        """First thing after show(): an empty database gets a demo register, built off the GUI
        thread. Returns the build task, or None when there is data already."""
        if not register_is_empty(self._ctx.new_uow()) \
                or not can(self._ctx, Permission.IMPORT_DATA):
            self.start_rolling_backup()
            return None
        return self.build_demo(demo_patients)

    def start_rolling_backup(self) -> Task | None:
        """Once a day, a verified backup beside the database, off the GUI thread; the newest
        seven are kept. Nothing to do on PostgreSQL (the server's dumps do it)."""
        try:
            backups = self._ctx.rolling_backups()
        except BackupNotPossible:
            return None

        def job(_progress: Progress, _cancel: CancelToken) -> object:
            return rolling_backup(backups, backups.folder, datetime.now())

        task = Task(job)
        task.succeeded.connect(self._backed_up)
        task.failed.connect(self._backup_failed)
        self.writer.run(task)
        return task

    def _backed_up(self, info: object) -> None:
        if isinstance(info, BackupInfo):
            self.statusBar().showMessage(f"Backed up to {info.path.name}", 10_000)

    def _backup_failed(self, exc: object) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Backup failed",
                          f"Today's automatic backup could not be made: {exc}", parent=self)
        box.open()

    def build_demo(self, patients: int) -> Task:
        task = demo_build_task(self._ctx, patients)
        self.progress_dialog = DemoProgressDialog(task, patients, self)
        task.succeeded.connect(self._demo_built)
        task.failed.connect(self._demo_failed)
        task.cancelled.connect(self._demo_cancelled)
        self.demo_label.setText("Building a demo register…")
        self.writer.run(task)
        self.progress_dialog.show()
        return task

    def _demo_built(self, summary: object) -> None:
        patients = summary.patients if isinstance(summary, DemoSummary) else 0
        self.demo_label.setText(f"Demo register: {patients:,} synthetic patients, not real people.")
        self.caseload.reload()
        self.refresh_budget_label()

    def _demo_failed(self, exc: object) -> None:
        self.demo_label.setText("The demo register was not built.")
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Demo register not built", str(exc), parent=self
        )
        box.open()  # not exec(): a modal loop here would stall queued signals and tests

    def _demo_cancelled(self) -> None:
        self.demo_label.setText("Demo register cancelled: the database is still empty.")

    # -- quitting ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Running jobs are cancelled and awaited, so no transaction is cut off mid-write."""
        self.idle_lock.pause()
        app = QGuiApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle_lock)
        self.writer.shutdown()
        self.worklist.shutdown()
        self.follow_ups.shutdown()
        self.qof.shutdown()
        self.signposting.shutdown()
        self.outcomes.shutdown()
        self.budget.shutdown()
        self.panel.shutdown()
        super().closeEvent(event)
