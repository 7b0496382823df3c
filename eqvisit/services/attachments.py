"""Attachments: files added to a visit, kept by SHA-256, and moved to and from the central store."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eqvisit.domain.scopes import visit_scope
from eqvisit.errors import DomainError, InvalidValue, NotFound, StorageError
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import AttachmentRow
from eqvisit.storage.models import Attachment, AttachmentBlob
from eqvisit.storage.repositories import attachments, visits
from eqvisit.storage.repositories.attachments import BlobTask
from eqvisit.sync.attachments import (
    ALLOWED_KINDS,
    DEFAULT_CHUNK_BYTES,
    DOCX,
    HEAD_BYTES,
    MAX_ATTACHMENT_BYTES,
    MAX_CHUNK_BYTES,
    MEDIA_TYPES,
    MIN_CHUNK_BYTES,
    XLSX,
    BlobRefused,
    BlobStatus,
    is_sha256,
    sniff_media_type,
)
from eqvisit.sync.client import SyncClient

log = logging.getLogger(__name__)

COPY_BYTES = 1024 * 1024
MAX_FILENAME = 255
_OOXML_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


@dataclass(frozen=True)
class TransferSummary:
    """What one pass of uploads or downloads did: ``waiting`` are not ready on the other side."""

    done: int = 0
    waiting: int = 0
    failed: tuple[str, ...] = ()


class AttachmentService:
    """Adds files to visits and moves their content to and from the central store.

    Contract: a blob lives in ``attachments_dir`` under its SHA-256 (checked to be 64 lowercase
    hex before any path is built from it); the synced ``attachments`` record carries only the
    hash, size, media type and display name, never the content. Like every service it runs on
    the one worker thread; it is not safe to call from two threads at once.
    """

    def __init__(
        self,
        context: ServiceContext,
        attachments_dir: Path,
        *,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_bytes: int = MAX_ATTACHMENT_BYTES,
    ) -> None:
        if not MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk_bytes must be {MIN_CHUNK_BYTES}..{MAX_CHUNK_BYTES}")
        self._context = context
        self._dir = attachments_dir
        self._chunk = chunk_bytes
        self._max = min(max_bytes, MAX_ATTACHMENT_BYTES)

    def attach(self, visit_id: str, path: Path) -> AttachmentRow:
        """Copy the file at ``path`` into the profile and record it as an attachment of the visit.

        The file must be a PDF, PNG, JPEG, plain text, .docx or .xlsx file (by content, and by
        name for zip and text files) of at most 50 MiB.
        """
        self._context.require_user()
        source = Path(path)
        filename = _display_name(source.name)
        info = _stat(source, filename)
        if info.st_size == 0:
            raise InvalidValue("file", f"{filename} is empty.")
        self._check_size(filename, info.st_size)
        with self._copy_in(source, filename) as (incoming, sha256, size):
            media_type = _media_type(incoming, filename)
            final = self._blob_path(sha256)
            new_blob = not final.exists()
            if new_blob:
                os.replace(incoming, final)
        try:
            with self._context.action() as (uow, recorder):
                if visits.get(uow.session, visit_id) is None:
                    raise NotFound("visit", visit_id)
                record = recorder.create(
                    Attachment(),
                    {
                        "visit_id": visit_id,
                        "sha256": sha256,
                        "size": size,
                        "media_type": media_type,
                        "filename": filename,
                    },
                    visit_scope(visit_id),
                )
                attachments.add_blob(uow.session, sha256, size)
                uow.session.flush()
                blob = uow.session.get(AttachmentBlob, sha256)
                row = _row(record, blob)
                uow.commit()
        except BaseException:
            if new_blob:
                final.unlink(missing_ok=True)
            raise
        log.info("attached %s bytes (%s) to visit %s", size, media_type, visit_id)
        return row

    def for_visit(self, visit_id: str) -> list[AttachmentRow]:
        with self._context.store.unit_of_work() as uow:
            records = attachments.for_visit(uow.session, visit_id)
            held = attachments.blobs(uow.session, [r.sha256 for r in records])
            return [_row(r, held.get(r.sha256)) for r in records]

    def open_local(self, attachment_id: str) -> Path:
        """The file holding an attachment's content on this laptop (named by its SHA-256)."""
        with self._context.store.unit_of_work() as uow:
            record = attachments.get(uow.session, attachment_id)
            if record is None:
                raise NotFound("attachment", attachment_id)
            sha256, size, filename = record.sha256, record.size, record.filename
        path = self._blob_path(sha256)
        if not path.is_file():
            raise DomainError(
                f"{filename} is not on this laptop yet; sync to download it from the central store."
            )
        if path.stat().st_size != size:
            raise StorageError(
                f"The copy of {filename} on this laptop is damaged (wrong size); "
                "remove it and sync to download it again."
            )
        return path

    def upload_pending(self, client: SyncClient) -> TransferSummary:
        """Send every blob whose record the server has accepted, resuming where uploads stopped.

        Call after the push. Network and sign-in errors propagate (the next sync resumes); a
        blob the server refuses is reported in ``failed`` and the others still go.
        """
        with self._context.store.unit_of_work() as uow:
            tasks = attachments.pending_uploads(uow.session)
        done = waiting = 0
        failed: list[str] = []
        for task in tasks:
            try:
                self._upload(client, task)
                done += 1
            except BlobRefused as exc:
                if exc.error == "unknown":
                    waiting += 1
                else:
                    failed.append(f"{task.filename}: {exc.detail}")
            except _LocalProblem as exc:
                failed.append(f"{task.filename}: {exc}")
        return TransferSummary(done, waiting, tuple(failed))

    def download_missing(self, client: SyncClient) -> TransferSummary:
        """Fetch the content of attachments pulled from others, verified against its SHA-256.

        An attachment whose content has not reached the central store yet counts as
        ``waiting``; an interrupted download resumes from the bytes already on disk.
        """
        with self._context.store.unit_of_work() as uow:
            tasks = attachments.missing_blobs(uow.session)
        done = waiting = 0
        failed: list[str] = []
        for task in tasks:
            try:
                self._download(client, task)
                done += 1
            except BlobRefused as exc:
                if exc.error in ("not_uploaded", "unknown"):
                    waiting += 1
                else:
                    failed.append(f"{task.filename}: {exc.detail}")
            except _LocalProblem as exc:
                failed.append(f"{task.filename}: {exc}")
        return TransferSummary(done, waiting, tuple(failed))

    def prune_orphans(self) -> int:
        """Delete blobs no attachment names any more (after a scope purge); return how many."""
        with self._context.store.unit_of_work() as uow:
            orphans = attachments.orphan_blobs(uow.session)
            for sha256 in orphans:
                attachments.remove_blob(uow.session, sha256)
            uow.commit()
        for sha256 in orphans:
            if is_sha256(sha256):
                self._blob_path(sha256).unlink(missing_ok=True)
        return len(orphans)

    def _upload(self, client: SyncClient, task: BlobTask) -> None:
        if not is_sha256(task.sha256):
            raise _LocalProblem("its record names no valid SHA-256")
        scope = visit_scope(task.visit_id)
        path = self._blob_path(task.sha256)
        status = client.blob_status(task.sha256, scope)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise _LocalProblem("the copy on this laptop is missing; attach it again") from exc
        with handle:
            while not status.complete:
                offset = status.received
                handle.seek(offset)
                data = handle.read(self._chunk)
                if not data:
                    raise _LocalProblem("the copy on this laptop is shorter than recorded")
                status = self._send(client, task, scope, offset, data)
                self._note_uploaded(task.sha256, status.received)
        self._note_uploaded(task.sha256, task.size)

    def _send(
        self, client: SyncClient, task: BlobTask, scope: str, offset: int, data: bytes
    ) -> BlobStatus:
        try:
            return client.upload_chunk(
                task.sha256, scope, offset, data, size=task.size, media_type=task.media_type
            )
        except BlobRefused as exc:
            if exc.status != 409 or exc.error == "mismatch":
                if exc.error in ("corrupt", "unsupported_type"):
                    self._note_uploaded(task.sha256, 0)
                raise
            # Our earlier reply was lost, or another device sent the same content meanwhile.
            status = client.blob_status(task.sha256, scope)
            if status.received == offset and not status.complete:
                raise
            return status

    def _note_uploaded(self, sha256: str, received: int) -> None:
        with self._context.store.unit_of_work() as uow:
            attachments.set_uploaded(uow.session, sha256, received)
            uow.commit()

    def _download(self, client: SyncClient, task: BlobTask) -> None:
        if not 0 < task.size <= MAX_ATTACHMENT_BYTES:
            raise _LocalProblem(f"its recorded size ({task.size} bytes) is not allowed")
        if not is_sha256(task.sha256):
            raise _LocalProblem("its record names no valid SHA-256")
        final = self._blob_path(task.sha256)
        partial = self._dir / f"{task.sha256}.part"
        if not (final.is_file() and _digest(final) == (task.sha256, task.size)):
            self._fetch(client, task, partial)
            if _digest(partial) != (task.sha256, task.size):
                partial.unlink(missing_ok=True)
                raise _LocalProblem(
                    "the downloaded content does not match its SHA-256; "
                    "it was discarded and will be fetched again at the next sync"
                )
            os.replace(partial, final)
        with self._context.store.unit_of_work() as uow:
            attachments.add_blob(uow.session, task.sha256, task.size, uploaded_bytes=task.size)
            uow.commit()

    def _fetch(self, client: SyncClient, task: BlobTask, partial: Path) -> None:
        """Append the rest of the blob to ``partial``, resuming from what it already holds."""
        scope = visit_scope(task.visit_id)
        with _open_partial(partial) as handle:
            offset = handle.seek(0, os.SEEK_END)
            if offset > task.size:
                handle.truncate(0)
                offset = handle.seek(0)
            while offset < task.size:
                data = client.download_chunk(
                    task.sha256, scope, offset, min(self._chunk, task.size - offset)
                )
                if not data:
                    raise _LocalProblem("the central store sent no data")
                handle.write(data)
                handle.flush()
                offset += len(data)
            os.fsync(handle.fileno())

    def _check_size(self, filename: str, size: int) -> None:
        if size > self._max:
            raise InvalidValue(
                "file",
                f"{filename} is {size / (1024 * 1024):.1f} MiB; "
                f"attachments are limited to {self._max // (1024 * 1024)} MiB.",
            )

    def _blob_path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise StorageError(f"{sha256!r} is not a SHA-256; the attachment record is damaged.")
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self._dir / sha256

    @contextmanager
    def _copy_in(self, source: Path, filename: str) -> Iterator[tuple[Path, str, int]]:
        """Copy ``source`` into a private temporary file, hashing it as it goes.

        Checks are made on this copy, so a file changed meanwhile cannot pass them in one form
        and be stored in another. The temporary file is removed on leaving unless moved.
        """
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, name = tempfile.mkstemp(dir=self._dir, prefix=".incoming-", suffix=".part")
        incoming = Path(name)
        try:
            hasher = hashlib.sha256()
            size = 0
            with os.fdopen(descriptor, "wb") as target, _open_source(source, filename) as src:
                for block in iter(lambda: src.read(COPY_BYTES), b""):
                    size += len(block)
                    self._check_size(filename, size)
                    hasher.update(block)
                    target.write(block)
                target.flush()
                os.fsync(target.fileno())
            if size == 0:
                raise InvalidValue("file", f"{filename} is empty.")
            yield incoming, hasher.hexdigest(), size
        finally:
            incoming.unlink(missing_ok=True)


class _LocalProblem(Exception):
    """A blob that cannot be moved because of something on this laptop; reported, not raised."""


def _row(record: Attachment, blob: AttachmentBlob | None) -> AttachmentRow:
    return AttachmentRow(
        id=record.id,
        visit_id=str(record.visit_id),
        filename=record.filename,
        media_type=record.media_type,
        size=record.size,
        sha256=record.sha256,
        local=blob is not None,
        uploaded=blob is not None and blob.uploaded_bytes >= blob.size,
    )


def _digest(path: Path) -> tuple[str, int]:
    """The SHA-256 and size of a file, read in pieces."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(COPY_BYTES), b""):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def _display_name(name: str) -> str:
    """The file's name as shown to people: no control characters, at most 255 characters."""
    cleaned = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if not cleaned:
        raise InvalidValue("file", "has no usable name")
    if len(cleaned) > MAX_FILENAME:
        stem, dot, suffix = cleaned.rpartition(".")
        keep = MAX_FILENAME - len(suffix) - 1
        cleaned = f"{stem[:keep]}.{suffix}" if dot and keep > 0 else cleaned[:MAX_FILENAME]
    return cleaned


def _stat(source: Path, filename: str) -> os.stat_result:
    try:
        info = source.stat()
    except OSError as exc:
        raise InvalidValue("file", f"{filename} cannot be read ({exc.strerror}).") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InvalidValue("file", f"{filename} is not a regular file.")
    return info


@contextmanager
def _open_source(source: Path, filename: str) -> Iterator[BinaryIO]:
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InvalidValue("file", f"{filename} cannot be read ({exc.strerror}).") from exc
    with handle:
        yield handle


@contextmanager
def _open_partial(partial: Path) -> Iterator[BinaryIO]:
    fd = os.open(partial, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        yield handle


def _media_type(copy: Path, filename: str) -> str:
    with copy.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    media_type = sniff_media_type(head, filename)
    if media_type is None:
        raise InvalidValue(
            "file", f"{filename} cannot be attached: attachments must be {ALLOWED_KINDS}."
        )
    part = _OOXML_PARTS.get(media_type)
    if part is not None:
        try:
            with zipfile.ZipFile(copy) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidValue(
                "file", f"{filename} is not a valid {MEDIA_TYPES[media_type]}."
            ) from exc
        if part not in names:
            raise InvalidValue("file", f"{filename} is not a valid {MEDIA_TYPES[media_type]}.")
    return media_type
