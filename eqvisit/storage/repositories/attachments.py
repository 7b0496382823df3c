"""Attachments, and which of their blobs this laptop holds and has sent to the central store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from eqvisit.storage.models import Attachment, AttachmentBlob, OutboxChange, OutboxState

# Blob rows are joined to attachments by sha256, not through ``attachment_id``: one blob serves
# every attachment with the same content, and a foreign key would stop a scope being purged.


@dataclass(frozen=True)
class BlobTask:
    """A blob to move to or from the central store, with the attachment that names it."""

    sha256: str
    size: int
    attachment_id: str
    visit_id: str
    media_type: str
    filename: str


def get(session: Session, attachment_id: str) -> Attachment | None:
    found = session.get(Attachment, attachment_id)
    return found if found is not None and found.deleted_at is None else None


def for_visit(session: Session, visit_id: str) -> Sequence[Attachment]:
    return session.scalars(
        select(Attachment)
        .where(Attachment.visit_id == visit_id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id)
    ).all()


def blobs(session: Session, shas: Sequence[str]) -> dict[str, AttachmentBlob]:
    found: dict[str, AttachmentBlob] = {}
    unique = sorted(set(shas))
    for start in range(0, len(unique), 400):
        chunk = unique[start : start + 400]
        found.update(
            (blob.sha256, blob)
            for blob in session.scalars(
                select(AttachmentBlob).where(AttachmentBlob.sha256.in_(chunk))
            )
        )
    return found


def add_blob(session: Session, sha256: str, size: int, *, uploaded_bytes: int = 0) -> None:
    """Note that this blob is on disk, unless it already is."""
    if session.get(AttachmentBlob, sha256) is None:
        session.add(AttachmentBlob(sha256=sha256, size=size, uploaded_bytes=uploaded_bytes))


def set_uploaded(session: Session, sha256: str, uploaded_bytes: int) -> None:
    blob = session.get(AttachmentBlob, sha256)
    if blob is not None:
        blob.uploaded_bytes = min(uploaded_bytes, blob.size)


def _tasks(rows: Sequence[tuple[str, int, str, str, str, str]]) -> list[BlobTask]:
    tasks: dict[str, BlobTask] = {}
    for sha256, size, attachment_id, visit_id, media_type, filename in rows:
        tasks.setdefault(
            sha256, BlobTask(sha256, size, attachment_id, visit_id, media_type, filename)
        )
    return list(tasks.values())


def pending_uploads(session: Session) -> list[BlobTask]:
    """Blobs on disk not yet wholly sent, whose attachment record the server has accepted."""
    unsent = exists().where(
        OutboxChange.record_type == "attachments",
        OutboxChange.record_id == Attachment.id,
        OutboxChange.state.in_([OutboxState.PENDING, OutboxState.REJECTED]),
    )
    rows = session.execute(
        select(
            AttachmentBlob.sha256,
            AttachmentBlob.size,
            Attachment.id,
            Attachment.visit_id,
            Attachment.media_type,
            Attachment.filename,
        )
        .join(Attachment, Attachment.sha256 == AttachmentBlob.sha256)
        .where(
            AttachmentBlob.uploaded_bytes < AttachmentBlob.size,
            Attachment.deleted_at.is_(None),
            Attachment.visit_id.is_not(None),
            ~unsent,
        )
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    return _tasks([(r[0], r[1], r[2], str(r[3]), r[4], r[5]) for r in rows])


def missing_blobs(session: Session) -> list[BlobTask]:
    """Live attachments whose content is not on this laptop's disk (pulled from others)."""
    on_disk = exists().where(AttachmentBlob.sha256 == Attachment.sha256)
    rows = session.execute(
        select(
            Attachment.sha256,
            Attachment.size,
            Attachment.id,
            Attachment.visit_id,
            Attachment.media_type,
            Attachment.filename,
        )
        .where(Attachment.deleted_at.is_(None), Attachment.visit_id.is_not(None), ~on_disk)
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    return _tasks([(r[0], r[1], r[2], str(r[3]), r[4], r[5]) for r in rows])


def orphan_blobs(session: Session) -> list[str]:
    """Blobs on disk that no attachment record names any more (e.g. after a scope purge)."""
    named = exists().where(Attachment.sha256 == AttachmentBlob.sha256)
    return list(session.scalars(select(AttachmentBlob.sha256).where(~named)))


def remove_blob(session: Session, sha256: str) -> None:
    session.execute(delete(AttachmentBlob).where(AttachmentBlob.sha256 == sha256))
