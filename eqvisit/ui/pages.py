"""The main window's pages, built once the profile's services are open.

Kept out of ``main_window`` so that the window shell paints without importing them: these modules
import the services (and SQLAlchemy), which the start-up imports on the opening thread
(:mod:`eqvisit.opening`) while the shell is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eqvisit.ui.capture.redaction_dialog import RedactionDialog
from eqvisit.ui.findings.page import FindingsPage, FindingsServices
from eqvisit.ui.idle_lock import LockScreen
from eqvisit.ui.report_page import ReportPage
from eqvisit.ui.sync_page import SyncPage
from eqvisit.ui.visits_page import VisitServices, VisitsPage
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.app_services import Services

__all__ = ["Pages", "RedactionDialog", "build_pages"]


@dataclass(frozen=True)
class Pages:
    """One of each page after Providers (which the shell has), in navigation order, and the
    lock screen."""

    visits: VisitsPage
    sync: SyncPage
    report: ReportPage
    findings: FindingsPage
    lock_screen: LockScreen


def build_pages(services: Services, worker: Worker, sync_interval_ms: int) -> Pages:
    return Pages(
        visits=VisitsPage(
            VisitServices(
                services.visits,
                services.providers,
                services.users,
                services.templates,
                services.briefing,
                services.capture,
                services.coverage,
                services.sync,
            ),
            worker,
        ),
        sync=SyncPage(services.sync, worker, sync_interval_ms, conflicts=services.conflicts),
        report=ReportPage(
            services.reports, services.visits, services.exports, worker, services.briefing_report
        ),
        findings=FindingsPage(
            FindingsServices(
                services.findings, services.findings_board, services.action_plan, services.visits
            ),
            worker,
        ),
        lock_screen=LockScreen(services.store_keys.check, worker, services.store_keys.lock_hint()),
    )
