"""Sign-in dialog: the system-use banner to acknowledge, then user name and password."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from data import auth
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from widgets import theme
from widgets.operations import Operations

FIRST_RUN_TEXT = (
    "No one can sign in yet. An administrator adds the first account on this computer, in a terminal:\n\n"
    "    cso-console users add --role admin NAME\n\n"
    "(it asks for the password twice), then signs in here. Other accounts: cso-console users --help."
)


ACKNOWLEDGED = "Notice acknowledged"


class SignInDialog(QDialog):
    """Banner first ("I understand" enables the fields), then the password checked off the GUI thread.

    ``signed_in`` carries the Actor; it is emitted before the dialog closes, so the caller can show
    the main window first and the application never runs out of windows.
    """

    signed_in = Signal(object)  # Actor

    def __init__(
        self,
        db: Database,
        operations: Operations,
        *,
        workstation: str,
        first_run: bool = False,
        banner: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.operations = operations
        self.workstation = workstation
        self.actor: Actor | None = None
        self.pending = False
        self.setObjectName("signInDialog")
        self.setWindowTitle(f"Sign in — CSO Console — {db.pack.city['name']}")
        self.setAccessibleName("Sign in")

        self.banner = QTextBrowser()
        self.banner.setObjectName("systemUseBanner")
        self.banner.setAccessibleName("System-use notice")
        self.banner.setPlainText(banner if banner is not None else auth.system_use_banner(db.pack))
        self.banner.setMinimumHeight(180)
        self.acknowledge_button = QPushButton("I understand")
        self.acknowledge_button.setAccessibleName("I understand the system-use notice")
        self.acknowledge_button.setAutoDefault(True)  # Enter or Space acknowledges while it has focus
        metrics = self.acknowledge_button.fontMetrics()
        self.acknowledge_button.setMinimumWidth(metrics.horizontalAdvance(ACKNOWLEDGED) + 4 * metrics.height())

        self.first_run_label = QLabel(FIRST_RUN_TEXT)
        self.first_run_label.setObjectName("firstRunNotice")
        self.first_run_label.setWordWrap(True)
        self.first_run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.first_run_label.setVisible(first_run)

        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.username.setMaxLength(80)
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(auth.MAX_PASSWORD_LENGTH)
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setAccessibleName("Sign-in message")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.colors().red.name()}; font-weight: 600;")
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setAutoDefault(False)  # Enter in the fields is handled by returnPressed
        self.quit_button = QPushButton("Quit")
        self.quit_button.setAutoDefault(False)

        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.sign_in_button)
        ack_row = QHBoxLayout()
        ack_row.addStretch(1)
        ack_row.addWidget(self.acknowledge_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner, 1)
        layout.addLayout(ack_row)
        layout.addWidget(self.first_run_label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setTabOrder(self.acknowledge_button, self.username)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.sign_in_button)
        self.resize(560, 520)

        self._set_fields_enabled(False)
        self._connect_signals()
        self.acknowledge_button.setFocus()

    def _connect_signals(self) -> None:
        self.acknowledge_button.clicked.connect(self._on_acknowledge_clicked)
        self.username.returnPressed.connect(self._on_username_return_pressed)
        self.password.returnPressed.connect(self.submit)
        self.sign_in_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self.reject)

    @property
    def acknowledged(self) -> bool:
        return not self.acknowledge_button.isEnabled()

    def _set_fields_enabled(self, enabled: bool) -> None:
        for widget in (self.username, self.password, self.sign_in_button):
            widget.setEnabled(enabled)

    def _on_acknowledge_clicked(self) -> None:
        self.acknowledge_button.setEnabled(False)
        self.acknowledge_button.setText(ACKNOWLEDGED)
        self._set_fields_enabled(True)
        self.username.setFocus()

    def _on_username_return_pressed(self) -> None:
        if self.username.text().strip():
            self.password.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def submit(self) -> None:
        """Check the user name and password in the background; the GUI stays responsive."""
        if not self.acknowledged or self.pending:
            return
        username = self.username.text().strip()
        password = self.password.text()
        if not username:
            self.show_error("Type your user name.")
            self.username.setFocus()
            return
        if not password:
            self.show_error("Type your password.")
            self.password.setFocus()
            return
        self.pending = True
        self._set_fields_enabled(False)
        self.show_error("")
        self.sign_in_button.setText("Checking…")
        db, workstation = self.db, self.workstation
        # The dialog shows a refusal itself, under the fields.
        self.operations.run(
            lambda: auth.authenticate(db, username, password, workstation=workstation),
            owner=self,
            on_success=self._on_authenticate_done,
            on_failure=self._on_authenticate_failed,
            report_failure=False,
        )

    def _on_authenticate_done(self, actor: Actor) -> None:
        self.pending = False
        self.actor = actor
        self.password.clear()
        self.signed_in.emit(actor)
        self.accept()

    def _on_authenticate_failed(self, exc: Exception) -> None:
        self.pending = False
        self.sign_in_button.setText("Sign in")
        self._set_fields_enabled(True)
        self.password.clear()
        if isinstance(exc, DispatchError):
            self.show_error(str(exc))
        else:
            self.show_error(f"Sign-in failed: {type(exc).__name__}: {exc}")
        self.password.setFocus()
