"""Data minimisation: closed visits leave the laptop once the server holds all of them.

A visit is *retired* (its synced records, report versions and field stamps deleted, in the
caller's one transaction) only when it is closed, its closing was stamped before a cut-off, none
of its changes is unsent or refused, and none of its attachment blobs is still uploading. The
caller also requires that this sync's receipt for the visit matched the server's digest.

A retired visit is remembered in ``local_settings`` (``retired:<scope>``) so the sync does not
pull it back: a closed visit never changes again.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import VisitStatus
from eqvisit.storage.models import (
    Attachment,
    AttachmentBlob,
    FieldVersion,
    LocalSetting,
    ReportVersion,
    Visit,
)
from eqvisit.storage.sync_state import pending_in_scope, purge_scope

RETIRED_PREFIX = "retired:"


def retired_scopes(session: Session) -> set[str]:
    keys = session.scalars(
        select(LocalSetting.key).where(LocalSetting.key.startswith(RETIRED_PREFIX))
    )
    return {key.removeprefix(RETIRED_PREFIX) for key in keys}


def closed_before(session: Session, cutoff_ms: int) -> list[str]:
    """Ids of closed visits whose ``status`` field was last written before ``cutoff_ms``."""
    cutoff = f"{max(cutoff_ms, 0):016d}"  # HLC stamps start with the zero-padded wall time
    return list(
        session.scalars(
            select(Visit.id)
            .join(
                FieldVersion,
                (FieldVersion.record_type == Visit.__tablename__)
                & (FieldVersion.record_id == Visit.id)
                & (FieldVersion.field == "status"),
            )
            .where(Visit.status == VisitStatus.CLOSED, FieldVersion.hlc < cutoff)
            .order_by(Visit.id)
        )
    )


def unsent_blobs(session: Session, visit_id: str) -> int:
    """Attachment blobs of the visit on this disk that the server does not hold whole yet."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(AttachmentBlob)
            .join(Attachment, Attachment.sha256 == AttachmentBlob.sha256)
            .where(
                Attachment.visit_id == visit_id,
                AttachmentBlob.uploaded_bytes < AttachmentBlob.size,
            )
        )
        or 0
    )


def retire_visit(session: Session, visit_id: str, scope: str) -> bool:
    """Delete a closed visit's data from this laptop if nothing of it is unsent; True if done.

    Blob files on disk are removed afterwards by the attachment service's orphan pruning.
    """
    if pending_in_scope(session, scope) or unsent_blobs(session, visit_id):
        return False
    session.execute(delete(ReportVersion).where(ReportVersion.visit_id == visit_id))
    if not purge_scope(session, scope):
        return False
    session.merge(LocalSetting(key=RETIRED_PREFIX + scope, value=visit_id))
    return True
