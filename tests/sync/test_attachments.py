"""Attachments: chunked, resumable, verified uploads and authorised downloads, end to end."""

from __future__ import annotations

import hashlib
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from eqvisit.app_services import Services, open_services
from eqvisit.domain.scopes import visit_scope
from eqvisit.errors import DomainError, InvalidValue, NetworkError
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.services.attachments import AttachmentService
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import SyncService
from eqvisit.storage.models import Attachment, AttachmentBlob, OutboxChange
from eqvisit.sync.attachments import (
    DOCX,
    MIN_CHUNK_BYTES,
    PDF,
    PNG,
    TEXT,
    BlobRefused,
)
from eqvisit.sync.client import SyncClient
from eqvisit.sync.server import admin
from eqvisit.sync.server.models import Blob, BlobChunk
from eqvisit.sync.transport import InProcessTransport
from tests.conftest import TEST_UNLOCK
from tests.sync.conftest import PASSWORD, Central

CHUNK = MIN_CHUNK_BYTES  # small chunks, so a few hundred KiB take several requests
SERVER = "http://central.test"


class Wire(httpx.BaseTransport):
    """The in-process server, recording each request; it can cut the line or lose a reply."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.requests: list[httpx.Request] = []
        self.cut_after_puts: int | None = None
        self.lose_reply_to_put: int | None = None
        self._puts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            if self.cut_after_puts is not None and self._puts >= self.cut_after_puts:
                raise httpx.ConnectError("the cable was pulled", request=request)
            self._puts += 1
        self.requests.append(request)
        response = self._inner.handle_request(request)
        if request.method == "PUT" and self._puts == self.lose_reply_to_put:
            raise httpx.ReadError("the reply was lost", request=request)
        return response

    def put_offsets(self) -> list[int]:
        return [int(r.url.params["offset"]) for r in self.requests if r.method == "PUT"]


@dataclass
class Device:
    services: Services
    sync: SyncService
    attachments: AttachmentService
    paths: ProfilePaths
    credentials: CredentialStore
    inner: httpx.BaseTransport
    wires: list[Wire] = field(default_factory=list)

    def client(self, wire: Wire | None = None) -> SyncClient:
        token = self.credentials.token()
        assert token is not None
        return SyncClient(
            SERVER,
            self.services.context.identity.device_id,
            token=token,
            transport=wire or Wire(self.inner),
            sleep=lambda _s: None,
        )

    def wire(self) -> Wire:
        return Wire(self.inner)


MakeDevice = Callable[[str], Device]


@pytest.fixture
def device(tmp_path: Path, central: Central) -> Iterator[MakeDevice]:
    """``device("lead")``: a signed-in laptop with an attachment service and a client maker."""
    opened: list[Services] = []
    inner = InProcessTransport(central.app)

    def factory(url: str, device_id: str, token: str | None) -> SyncClient:
        return SyncClient(url, device_id, token=token, transport=inner, sleep=lambda _s: None)

    def make(username: str) -> Device:
        paths = resolve_profile(tmp_path / f"device-{username}-{len(opened)}").ensure()
        services = open_services(paths, TEST_UNLOCK)
        opened.append(services)
        credentials = CredentialStore(paths.config_dir, use_keychain=False)
        sync = SyncService(services.context, credentials, factory)
        sync.login(SERVER, username, PASSWORD, f"{username}'s laptop")
        sync.sync_once()
        attachments = AttachmentService(services.context, paths.attachments_dir, chunk_bytes=CHUNK)
        return Device(services, sync, attachments, paths, credentials, inner)

    yield make
    for services in opened:
        services.close()


def pdf_file(folder: Path, name: str = "minutes.pdf", size: int = 300 * 1024) -> Path:
    body = random.Random(size).randbytes(size - 9)
    path = folder / name
    path.write_bytes(b"%PDF-1.7\n" + body)
    return path


def server_blob(central: Central, sha256: str) -> tuple[Blob | None, int]:
    with central.session() as session:
        chunks = session.scalar(
            select(func.count()).select_from(BlobChunk).where(BlobChunk.sha256 == sha256)
        )
        return session.get(Blob, sha256), int(chunks or 0)


def test_upload_in_chunks_then_another_laptop_downloads_the_same_bytes(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    source = pdf_file(tmp_path)
    row = lead.attachments.attach(central.visit_id, source)
    assert (row.media_type, row.size, row.local, row.uploaded) == (PDF, 300 * 1024, True, False)
    assert row.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert lead.attachments.open_local(row.id).read_bytes() == source.read_bytes()

    assert lead.sync.sync_once().rejected == 0
    wire = lead.wire()
    summary = lead.attachments.upload_pending(lead.client(wire))

    assert (summary.done, summary.waiting, summary.failed) == (1, 0, ())
    assert wire.put_offsets() == [0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]
    blob, chunks = server_blob(central, row.sha256)
    assert blob is not None and blob.complete and blob.received == row.size
    assert chunks == 5
    assert lead.attachments.for_visit(central.visit_id)[0].uploaded
    assert lead.attachments.upload_pending(lead.client()).done == 0, "nothing left to send"

    panel = device("panel1")
    pulled = panel.attachments.for_visit(central.visit_id)
    assert [(a.id, a.filename, a.local) for a in pulled] == [(row.id, "minutes.pdf", False)]
    got = panel.attachments.download_missing(panel.client())
    assert (got.done, got.failed) == (1, ())
    assert panel.attachments.open_local(row.id).read_bytes() == source.read_bytes()
    assert panel.attachments.for_visit(central.visit_id)[0].local
    assert panel.attachments.download_missing(panel.client()).done == 0


def test_an_interrupted_upload_resumes_where_the_server_stopped(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    source = pdf_file(tmp_path)
    row = lead.attachments.attach(central.visit_id, source)
    lead.sync.sync_once()

    cut = lead.wire()
    cut.cut_after_puts = 2
    with pytest.raises(NetworkError):
        lead.attachments.upload_pending(lead.client(cut))
    blob, chunks = server_blob(central, row.sha256)
    assert blob is not None and not blob.complete
    assert (blob.received, chunks) == (2 * CHUNK, 2)
    assert not lead.attachments.for_visit(central.visit_id)[0].uploaded

    wire = lead.wire()
    assert lead.attachments.upload_pending(lead.client(wire)).done == 1
    assert wire.put_offsets() == [2 * CHUNK, 3 * CHUNK, 4 * CHUNK], "only the rest is sent"
    panel = device("panel2")
    panel.attachments.download_missing(panel.client())
    assert panel.attachments.open_local(row.id).read_bytes() == source.read_bytes()


def test_a_lost_reply_does_not_stall_the_upload(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    row = lead.attachments.attach(central.visit_id, pdf_file(tmp_path))
    lead.sync.sync_once()
    wire = lead.wire()
    wire.lose_reply_to_put = 2  # stored by the server, but the laptop never hears so

    assert lead.attachments.upload_pending(lead.client(wire)).done == 1
    offsets = wire.put_offsets()
    assert offsets.count(CHUNK) == 2, "the retry of the lost chunk is answered 409, not stored"
    blob, chunks = server_blob(central, row.sha256)
    assert blob is not None and blob.complete and chunks == 5


def test_corrupted_content_is_refused_and_discarded(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    source = pdf_file(tmp_path)
    row = lead.attachments.attach(central.visit_id, source)
    lead.sync.sync_once()
    stored = lead.attachments.open_local(row.id)
    original = stored.read_bytes()
    stored.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))  # one bit rots

    summary = lead.attachments.upload_pending(lead.client())
    assert summary.done == 0
    assert len(summary.failed) == 1 and "does not match its SHA-256" in summary.failed[0]
    assert server_blob(central, row.sha256) == (None, 0), "bad content is not kept"

    stored.write_bytes(original)
    wire = lead.wire()
    assert lead.attachments.upload_pending(lead.client(wire)).done == 1
    assert wire.put_offsets()[0] == 0, "after a discard the upload starts again"


def test_files_of_the_wrong_type_or_size_are_refused_before_anything_is_recorded(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00" + bytes(5000))
    disguised = tmp_path / "report.pdf"
    disguised.write_bytes(b"MZ\x90\x00" + bytes(5000))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    huge = tmp_path / "scan.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(50 * 1024 * 1024 + 1)
    fake_docx = tmp_path / "letter.docx"
    with zipfile.ZipFile(fake_docx, "w") as archive:
        archive.writestr("hello.txt", "not a Word document")

    for path, message in [
        (program, "cannot be attached"),
        (disguised, "cannot be attached"),
        (empty, "is empty"),
        (huge, "limited to 50 MiB"),
        (fake_docx, "is not a valid Word document"),
        (tmp_path / "missing.pdf", "cannot be read"),
        (tmp_path, "is not a regular file"),
    ]:
        with pytest.raises(InvalidValue, match=message):
            lead.attachments.attach(central.visit_id, path)

    with lead.services.context.store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert uow.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(OutboxChange)
                .where(OutboxChange.record_type == "attachments")
            )
            == 0
        )
    assert list(lead.paths.attachments_dir.iterdir()) == [], "no copies are left behind"


def test_allowed_kinds_are_recognised_by_content_and_name(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    docx = tmp_path / "letter.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    notes = tmp_path / "notes.txt"
    notes.write_text("Panel notes\n", encoding="utf-8")
    picture = tmp_path / "ward photo.jpg"  # named .jpg, but the content is a PNG
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))

    kinds = [
        lead.attachments.attach(central.visit_id, f).media_type for f in (docx, notes, picture)
    ]
    assert kinds == [DOCX, TEXT, PNG]
    again = lead.attachments.attach(central.visit_id, notes)
    rows = lead.attachments.for_visit(central.visit_id)
    assert len(rows) == 4 and rows[-1].id == again.id
    assert len(list(lead.paths.attachments_dir.iterdir())) == 3, "the same content is kept once"


def test_the_server_refuses_bad_declarations_and_chunks(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    row = lead.attachments.attach(central.visit_id, pdf_file(tmp_path))
    lead.sync.sync_once()
    scope = visit_scope(central.visit_id)
    client = lead.client()

    def refusal(**kwargs: object) -> tuple[int, str]:
        args: dict[str, object] = {
            "sha256": row.sha256,
            "scope": scope,
            "offset": 0,
            "data": b"%PDF-" + bytes(CHUNK),
            "size": row.size,
            "media_type": PDF,
        }
        args.update(kwargs)
        with pytest.raises(BlobRefused) as caught:
            client.upload_chunk(**args)  # type: ignore[arg-type]
        return caught.value.status, caught.value.error

    assert refusal(size=60 * 1024 * 1024) == (413, "too_large")
    assert refusal(media_type="application/x-msdownload") == (415, "unsupported_type")
    assert refusal(data=bytes(4 * 1024 * 1024 + 1)) == (413, "too_large")
    assert refusal(data=b"%PDF-") == (422, "invalid"), "tiny chunks are refused"
    assert refusal(offset=row.size - 10) == (422, "invalid"), "a chunk may not run past the end"
    assert refusal(offset=CHUNK) == (409, "offset"), "chunks come in order"
    assert refusal(size=row.size + 1) == (409, "mismatch"), "the record says otherwise"
    assert refusal(sha256="0" * 64) == (404, "unknown"), "no record names this content"
    with pytest.raises(ValueError, match="not a SHA-256"):
        client.blob_status("../../etc/passwd", scope)
    raw = httpx.Client(transport=lead.inner, base_url=SERVER)
    answer = raw.get(
        "/v1/blobs/ABC/status",
        params={"scope": scope},
        headers={
            "X-Eqvisit-Protocol": "1",
            "Authorization": f"Bearer {lead.credentials.token()}",
        },
    )
    assert answer.status_code == 422
    assert server_blob(central, row.sha256) == (None, 0)


def test_content_that_is_not_its_declared_type_is_discarded(
    central: Central, device: MakeDevice
) -> None:
    lead = device("lead")
    content = b"this is text, not a PNG" * 10
    sha256 = hashlib.sha256(content).hexdigest()
    with lead.services.context.action() as (uow, recorder):  # a record claiming a PNG
        recorder.create(
            Attachment(),
            {
                "visit_id": central.visit_id,
                "sha256": sha256,
                "size": len(content),
                "media_type": PNG,
                "filename": "photo.png",
            },
            visit_scope(central.visit_id),
        )
        uow.commit()
    lead.sync.sync_once()
    with pytest.raises(BlobRefused) as caught:
        lead.client().upload_chunk(
            sha256, visit_scope(central.visit_id), 0, content, size=len(content), media_type=PNG
        )
    assert (caught.value.status, caught.value.error) == (415, "unsupported_type")
    assert server_blob(central, sha256) == (None, 0)


def test_only_readers_of_the_attachment_may_download_it(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    source = pdf_file(tmp_path)
    row = lead.attachments.attach(central.visit_id, source)
    lead.sync.sync_once()
    lead.attachments.upload_pending(lead.client())
    scope = visit_scope(central.visit_id)

    outsider = device("outsider").client()  # on the other visit only
    for call in (
        lambda: outsider.download_chunk(row.sha256, scope, 0),
        lambda: outsider.blob_status(row.sha256, scope),
    ):
        with pytest.raises(BlobRefused) as caught:
            call()
        assert caught.value.status == 403
    with pytest.raises(BlobRefused) as elsewhere:
        outsider.download_chunk(row.sha256, visit_scope(central.other_visit_id), 0)
    assert (elsewhere.value.status, elsewhere.value.error) == (404, "unknown")

    lay = device("lay1")  # a lay representative reads only their own attachments
    assert lay.attachments.for_visit(central.visit_id) == []
    with pytest.raises(BlobRefused) as lay_refused:
        lay.client().download_chunk(row.sha256, scope, 0)
    assert lay_refused.value.status == 403

    observer = device("observer")
    assert observer.attachments.download_missing(observer.client()).done == 1
    assert observer.attachments.open_local(row.id).read_bytes() == source.read_bytes()
    part = observer.client().download_chunk(row.sha256, scope, CHUNK, 100)
    assert part == source.read_bytes()[CHUNK : CHUNK + 100]


def test_a_download_waits_for_the_upload_and_resumes_a_partial_file(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    source = pdf_file(tmp_path)
    row = lead.attachments.attach(central.visit_id, source)
    lead.sync.sync_once()
    panel = device("panel1")
    assert panel.attachments.download_missing(panel.client()).waiting == 1
    with pytest.raises(DomainError, match="not on this laptop yet"):
        panel.attachments.open_local(row.id)

    lead.attachments.upload_pending(lead.client())
    partial = panel.paths.attachments_dir / f"{row.sha256}.part"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(source.read_bytes()[: 3 * CHUNK])
    wire = panel.wire()
    assert panel.attachments.download_missing(panel.client(wire)).done == 1
    offsets = [int(r.url.params["offset"]) for r in wire.requests if r.method == "GET"]
    assert offsets == [3 * CHUNK, 4 * CHUNK]
    assert panel.attachments.open_local(row.id).read_bytes() == source.read_bytes()
    assert not partial.exists()


def test_removed_panel_members_lose_the_files_with_the_scope(
    central: Central, device: MakeDevice, tmp_path: Path
) -> None:
    lead = device("lead")
    row = lead.attachments.attach(central.visit_id, pdf_file(tmp_path))
    lead.sync.sync_once()
    lead.attachments.upload_pending(lead.client())
    panel = device("panel2")
    panel.attachments.download_missing(panel.client())
    assert panel.attachments.open_local(row.id).exists()

    with central.session() as session, session.begin():
        admin.unassign(session, central.clock, "panel2", central.visit_id)
    assert visit_scope(central.visit_id) in panel.sync.sync_once().purged
    assert panel.attachments.prune_orphans() == 1
    assert list(panel.paths.attachments_dir.iterdir()) == []
