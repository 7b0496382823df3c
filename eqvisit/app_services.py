"""Wiring: open a profile's store and build every service on it (used by the CLI and the GUI)."""

from __future__ import annotations

from dataclasses import dataclass

from eqvisit.paths import ProfilePaths
from eqvisit.services.action_plan import ActionPlanService
from eqvisit.services.attachments import AttachmentService
from eqvisit.services.backups import BackupService
from eqvisit.services.briefing import BriefingService
from eqvisit.services.briefing_report import BriefingReportService
from eqvisit.services.capture import CaptureService
from eqvisit.services.conflicts import ConflictService
from eqvisit.services.context import ServiceContext
from eqvisit.services.coverage import CoverageService
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.demo import DemoService
from eqvisit.services.exports import ExportService
from eqvisit.services.findings import FindingService
from eqvisit.services.findings_board import FindingsBoardService
from eqvisit.services.providers import ProviderService
from eqvisit.services.redaction import RedactionService
from eqvisit.services.reports import ReportService
from eqvisit.services.store_keys import StoreKeys, Unlock
from eqvisit.services.sync import SyncService
from eqvisit.services.sync_status import SyncStatusService
from eqvisit.services.templates import TemplateService
from eqvisit.services.users import UserService
from eqvisit.services.visits import VisitService
from eqvisit.services.wipe import ProfileWipe
from eqvisit.settings import load_settings
from eqvisit.storage.integrity import RunningMarker, StartupCheck, check_after_unclean_shutdown
from eqvisit.storage.location import check_location
from eqvisit.storage.store import open_store


@dataclass(frozen=True)
class Services:
    """Every service of one opened profile. Built once; passed down, never reached for globally."""

    context: ServiceContext
    providers: ProviderService
    visits: VisitService
    capture: CaptureService
    findings: FindingService
    users: UserService
    sync_status: SyncStatusService
    sync: SyncService
    attachments: AttachmentService
    templates: TemplateService
    demo: DemoService
    briefing: BriefingService
    action_plan: ActionPlanService
    reports: ReportService
    exports: ExportService
    briefing_report: BriefingReportService
    backups: BackupService
    startup: StartupCheck
    marker: RunningMarker
    coverage: CoverageService
    redaction: RedactionService
    findings_board: FindingsBoardService
    conflicts: ConflictService
    wipe: ProfileWipe
    store_keys: StoreKeys

    def close(self) -> None:
        """Close the store, then remove this process's running marker: a clean shutdown."""
        self.context.store.close()
        self.marker.end()


def store_keys(paths: ProfilePaths) -> StoreKeys:
    return StoreKeys.of(paths)


def open_services(
    paths: ProfilePaths, unlock: Unlock | None = None, *, key: bytes | None = None
) -> Services:
    """Check the profile's folder, unlock its encrypted store, check it after an unclean
    shutdown, then open it and build the services (``unlock``: the environment's by default;
    ``key``: one already derived by :meth:`StoreKeys.unlock`, as the GUI's start-up does).

    Raises :class:`~eqvisit.errors.UnsafeLocation` for a network or cloud-synced folder,
    :class:`~eqvisit.errors.WrongStoreKey` for a key that does not open the store, and
    :class:`~eqvisit.errors.StoreDamaged` when a store left open by a crash fails its check.
    """
    check_location(paths.data_dir)
    paths.ensure()
    keys = store_keys(paths)
    credentials = CredentialStore(paths.config_dir)
    wipe = ProfileWipe(paths, keys, credentials)
    if key is None:
        key = keys.unlock(unlock or Unlock.from_environment())
    marker = RunningMarker(paths.running_dir)
    startup = check_after_unclean_shutdown(paths.store_file, marker, paths.backup_dir, key=key)
    marker.begin()
    try:
        store = open_store(paths.store_file, key=key, backup_dir=paths.backup_dir)
    except BaseException:
        marker.end()
        raise
    context = ServiceContext.open(store)
    settings = load_settings(paths.settings_file).settings
    attachment_service = AttachmentService(context, paths.attachments_dir)
    briefing = BriefingService(context)
    return Services(
        context=context,
        providers=ProviderService(context),
        visits=VisitService(context),
        capture=CaptureService(context),
        findings=FindingService(context),
        users=UserService(context),
        sync_status=SyncStatusService(context),
        sync=SyncService(
            context,
            credentials,
            attachments=attachment_service,
            request_wipe=wipe.request,
            purge_closed_after_days=settings.purge_closed_visits_after_days,
        ),
        attachments=attachment_service,
        templates=TemplateService(context),
        demo=DemoService(context, credentials),
        briefing=briefing,
        action_plan=ActionPlanService(context),
        reports=ReportService(context, attachment_service),
        exports=ExportService(context),
        briefing_report=BriefingReportService(briefing),
        backups=BackupService(paths.store_file, paths.backup_dir, key=key),
        startup=startup,
        marker=marker,
        coverage=CoverageService(context),
        redaction=RedactionService(context),
        findings_board=FindingsBoardService(context),
        conflicts=ConflictService(context),
        wipe=wipe,
        store_keys=keys,
    )


def wipe_if_due(paths: ProfilePaths) -> str | None:
    """Carry out a wipe asked for earlier (the store must not be open); return its reason."""
    keys = store_keys(paths)
    wipe = ProfileWipe(paths, keys, CredentialStore(paths.config_dir))
    reason = wipe.requested()
    if reason is not None:
        wipe.perform()
    return reason
