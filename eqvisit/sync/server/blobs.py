"""Attachment blobs on the central store: resumable, verified, content-addressed uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from eqvisit.domain.enums import UserRole
from eqvisit.domain.ids import utc_now
from eqvisit.sync.attachments import (
    ALLOWED_KINDS,
    HEAD_BYTES,
    MAX_ATTACHMENT_BYTES,
    MAX_CHUNK_BYTES,
    MEDIA_TYPES,
    MIN_CHUNK_BYTES,
    SHA256_PATTERN,
    BlobStatus,
    content_matches,
)
from eqvisit.sync.permissions import Action, Grant, grant
from eqvisit.sync.server.access import Actor, field_value, may_read, role_in_scope
from eqvisit.sync.server.deps import ApiError, Authenticated, store_transactions
from eqvisit.sync.server.models import Blob, BlobChunk, ServerRecord
from eqvisit.sync.server.transactions import Transactions

router = APIRouter()

# The path is the content's own hash; nothing else from the request ever names stored data.
Sha256 = Annotated[str, Path(pattern=SHA256_PATTERN)]
VisitScope = Annotated[str, Query(pattern=r"^visit:[A-Za-z0-9-]{1,64}$")]

OCTET_STREAM = "application/octet-stream"


@router.get("/v1/blobs/{sha256}/status")
def blob_status(
    request: Request, sha256: Sha256, scope: VisitScope, who: Authenticated
) -> BlobStatus:
    """How much of the blob the store holds (where an upload resumes), for its scope's readers."""
    with store_transactions(request).read() as session:
        _readable_records(session, who, scope, sha256)
        return _status(sha256, session.get(Blob, sha256))


@router.put("/v1/blobs/{sha256}")
async def put_chunk(
    request: Request,
    sha256: Sha256,
    scope: VisitScope,
    who: Authenticated,
    offset: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
    media_type: Annotated[str, Query(max_length=100)],
) -> BlobStatus:
    """Store the body as the bytes of the blob from ``offset``; verify once all have arrived.

    Chunks arrive in order (``offset`` must equal what the store holds, 409 otherwise, so a
    client asks for the status and resumes). When the last byte arrives the whole content is
    hashed: a match marks the blob complete; anything else discards every chunk (422).
    """
    _check_declared(size, media_type)
    data = await request.body()
    _check_chunk(offset, size, len(data))
    transactions = store_transactions(request)
    return await run_in_threadpool(
        _store_chunk, transactions, who, sha256, scope, offset, size, media_type, data
    )


@router.get("/v1/blobs/{sha256}")
def download(
    request: Request,
    sha256: Sha256,
    scope: VisitScope,
    who: Authenticated,
    offset: Annotated[int, Query(ge=0)] = 0,
    length: Annotated[int, Query(ge=1, le=MAX_CHUNK_BYTES)] = MAX_CHUNK_BYTES,
) -> Response:
    """Up to ``length`` bytes of a complete blob from ``offset``, for its scope's readers."""
    with store_transactions(request).read() as session:
        _readable_records(session, who, scope, sha256)
        blob = session.get(Blob, sha256)
        if blob is None or not blob.complete:
            raise ApiError(
                404, "not_uploaded", "This attachment has not reached the central store yet."
            )
        if offset >= blob.size:
            raise ApiError(
                416, "range", f"The attachment is {blob.size} bytes; offset {offset} is past it."
            )
        end = min(blob.size, offset + length)
        data = _read_range(session, sha256, offset, end)
        size = blob.size
    return Response(
        content=data,
        media_type=OCTET_STREAM,
        headers={"X-Blob-Size": str(size), "X-Content-Type-Options": "nosniff"},
    )


def _check_declared(size: int, media_type: str) -> None:
    if size > MAX_ATTACHMENT_BYTES:
        raise ApiError(
            413,
            "too_large",
            f"Attachments are limited to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB; "
            f"this one is {size} bytes.",
        )
    if media_type not in MEDIA_TYPES:
        raise ApiError(
            415,
            "unsupported_type",
            f"Attachments of type '{media_type}' are not accepted; use {ALLOWED_KINDS}.",
        )


def _check_chunk(offset: int, size: int, length: int) -> None:
    if length > MAX_CHUNK_BYTES:
        raise ApiError(
            413, "too_large", f"Chunks are limited to {MAX_CHUNK_BYTES} bytes; this is {length}."
        )
    if length == 0:
        raise ApiError(422, "invalid", "A chunk must carry at least one byte.")
    if offset + length > size:
        raise ApiError(
            422, "invalid", f"The chunk ends at byte {offset + length}, past the size {size}."
        )
    if length < MIN_CHUNK_BYTES and offset + length < size:
        raise ApiError(
            422,
            "invalid",
            f"Only the last chunk may be smaller than {MIN_CHUNK_BYTES} bytes.",
        )


def _status(sha256: str, blob: Blob | None) -> BlobStatus:
    if blob is None:
        return BlobStatus(sha256=sha256, received=0, complete=False)
    return BlobStatus(sha256=sha256, received=blob.received, complete=blob.complete, size=blob.size)


def _attachment_records(session: Session, scope: str, sha256: str) -> Sequence[ServerRecord]:
    """The live ``attachments`` records of a scope that name this content."""
    records = session.scalars(
        select(ServerRecord).where(
            ServerRecord.record_type == "attachments",
            ServerRecord.scope == scope,
            ServerRecord.state["sha256"]["value"].as_string() == sha256,
        )
    ).all()
    return [r for r in records if field_value(r, "deleted_at") is None]


def _role(session: Session, who: Actor, scope: str, action: Action) -> UserRole:
    role = role_in_scope(session, who.user_id, who.role, scope)
    if role is None:
        raise ApiError(403, "forbidden", f"You have no access to {scope}.")
    if grant(role, "attachments", action) is Grant.NONE:
        raise ApiError(
            403,
            "forbidden",
            f"A {role.value.replace('_', ' ')} may not {action.value} attachments in {scope}.",
        )
    return role


def _readable_records(
    session: Session, who: Actor, scope: str, sha256: str, action: Action = Action.READ
) -> list[ServerRecord]:
    """The records naming this content that the actor may read; refuses when there are none."""
    role = _role(session, who, scope, action)
    records = _attachment_records(session, scope, sha256)
    if not records:
        raise ApiError(
            404, "unknown", f"No attachment in {scope} has this content; sync its record first."
        )
    readable = [r for r in records if may_read(session, who, role, r)]
    if not readable:
        raise ApiError(403, "forbidden", "You may not read this attachment.")
    return readable


def _store_chunk(
    transactions: Transactions,
    who: Actor,
    sha256: str,
    scope: str,
    offset: int,
    size: int,
    media_type: str,
    data: bytes,
) -> BlobStatus:
    try:
        with transactions.write() as session:
            outcome = _append(session, who, sha256, scope, offset, size, media_type, data)
    except IntegrityError as exc:
        raise ApiError(
            409,
            "busy",
            "Another upload of this content moved on at the same moment; "
            "ask for its status and resume.",
        ) from exc
    if isinstance(outcome, ApiError):
        # Raised only now, after the commit: the bad content is gone and the next attempt
        # starts again from byte 0.
        raise outcome
    return outcome


def _append(
    session: Session,
    who: Actor,
    sha256: str,
    scope: str,
    offset: int,
    size: int,
    media_type: str,
    data: bytes,
) -> BlobStatus | ApiError:
    records = _readable_records(session, who, scope, sha256, Action.CREATE)
    if not any(
        field_value(r, "size") == size and field_value(r, "media_type") == media_type
        for r in records
    ):
        raise ApiError(
            409, "mismatch", "The size or media type sent differs from the attachment's record."
        )
    blob = session.get(Blob, sha256, with_for_update=True)
    if blob is not None and blob.complete:
        if blob.size != size:
            raise ApiError(409, "mismatch", f"This content is {blob.size} bytes, not {size}.")
        return _status(sha256, blob)
    blob = _blob_for_upload(session, blob, who, sha256, scope, size, media_type)
    if offset != blob.received:
        raise ApiError(
            409,
            "offset",
            f"This upload continues at byte {blob.received}, not {offset}; "
            "ask for its status and resume from there.",
        )
    session.add(BlobChunk(sha256=sha256, offset=offset, data=data))
    blob.received = offset + len(data)
    if blob.received < blob.size:
        return _status(sha256, blob)
    session.flush()
    problem = _verify(session, blob)
    if problem is not None:
        _discard(session, sha256)
        return problem
    blob.complete = True
    return _status(sha256, blob)


def _blob_for_upload(
    session: Session,
    blob: Blob | None,
    who: Actor,
    sha256: str,
    scope: str,
    size: int,
    media_type: str,
) -> Blob:
    """The incomplete blob to append to, started afresh when it was declared differently."""
    if blob is not None and (blob.size != size or blob.media_type != media_type):
        # Two honest uploads of one hash always agree, so the earlier declaration was wrong.
        session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
        blob.size, blob.media_type, blob.received = size, media_type, 0
    if blob is None:
        blob = Blob(
            sha256=sha256,
            size=size,
            media_type=media_type,
            received=0,
            complete=False,
            scope=scope,
            uploaded_by=who.user_id,
            created_at=utc_now(),
        )
        session.add(blob)
    return blob


def _verify(session: Session, blob: Blob) -> ApiError | None:
    """Hash the whole content chunk by chunk; an error to report if it is not what was named."""
    hasher = hashlib.sha256()
    head = b""
    expected = 0
    offsets = session.scalars(
        select(BlobChunk.offset).where(BlobChunk.sha256 == blob.sha256).order_by(BlobChunk.offset)
    ).all()
    for offset in offsets:
        data = session.scalar(
            select(BlobChunk.data).where(
                BlobChunk.sha256 == blob.sha256, BlobChunk.offset == offset
            )
        )
        if offset != expected or data is None:
            return ApiError(422, "corrupt", "The upload has a gap; it was discarded.")
        hasher.update(data)
        if len(head) < HEAD_BYTES:
            head += data[: HEAD_BYTES - len(head)]
        expected += len(data)
    if expected != blob.size or hasher.hexdigest() != blob.sha256:
        return ApiError(
            422,
            "corrupt",
            "The uploaded content does not match its SHA-256, so it was discarded; "
            "check the file on this laptop and upload it again.",
        )
    if not content_matches(head, blob.media_type):
        return ApiError(
            415,
            "unsupported_type",
            f"The content is not a {MEDIA_TYPES[blob.media_type]} as declared; it was discarded.",
        )
    return None


def _discard(session: Session, sha256: str) -> None:
    session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
    session.execute(delete(Blob).where(Blob.sha256 == sha256))


def _read_range(session: Session, sha256: str, start: int, end: int) -> bytes:
    """Bytes ``start``..``end`` of a blob, reading only the chunks that cover them."""
    first = session.scalar(
        select(BlobChunk.offset)
        .where(BlobChunk.sha256 == sha256, BlobChunk.offset <= start)
        .order_by(BlobChunk.offset.desc())
        .limit(1)
    )
    if first is None:
        raise ApiError(500, "corrupt", "The stored attachment is incomplete.")
    pieces: list[bytes] = []
    covered = first
    for offset, data in session.execute(
        select(BlobChunk.offset, BlobChunk.data)
        .where(BlobChunk.sha256 == sha256, BlobChunk.offset >= first, BlobChunk.offset < end)
        .order_by(BlobChunk.offset)
    ):
        if offset != covered:
            raise ApiError(500, "corrupt", "The stored attachment has a gap.")
        pieces.append(data)
        covered += len(data)
    if covered < end:
        raise ApiError(500, "corrupt", "The stored attachment is incomplete.")
    content = b"".join(pieces)
    return content[start - first : end - first]
