"""What encryption at rest costs: interactive queries on the SQLCipher store beside the same data
in a plain store, and the time to unlock a profile.

The encrypted store is built the way the app builds it (the demo, or with ``--national`` the
30,000-provider / 1,000,000-row store of ``bench/ui_dataset.py``); the plain store is the same
pages exported with ``sqlcipher_export`` into an unkeyed file, opened through the same code with
``key=None``, so the only difference is the cipher. Timed on each, alternately:

- provider search as typed, letter by letter (``ProviderService.search``),
- loading a visit (``VisitService.get``: panel, agenda, sessions),
- saving a response (``CaptureService.save_response``: one write, committed with synchronous=FULL).

Unlock = Argon2id key derivation with the default cost + opening the store (engine, key check on
``sqlite_master``, migrations check, device identity). Targets: queries ≤ 1.5× the plain store's
p50, unlock ≤ 300 ms.

    .venv/bin/python bench/bench_encryption.py [--national] [--repeat 5] [--folder DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ui_dataset import build_national
from eqvisit.app_services import open_services, store_keys
from eqvisit.domain.enums import Audience, VisitType
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.resources import resource_path
from eqvisit.services.capture import CaptureService
from eqvisit.services.context import ServiceContext
from eqvisit.services.providers import ProviderService
from eqvisit.services.store_keys import DEFAULT_KDF, Unlock, derive_key
from eqvisit.services.visits import SessionDraft, VisitDraft, VisitService
from eqvisit.storage.cipher import connect
from eqvisit.storage.store import open_store

WORDS = ("manchester", "sunderland", "royal infirmary", "leeds teaching", "park road")
PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105 - timing only


@dataclass
class Side:
    name: str
    context: ServiceContext
    providers: ProviderService
    visits: VisitService
    capture: CaptureService
    visit_id: str
    session_id: str


def open_side(name: str, path: Path, key: bytes | None) -> Side:
    store = open_store(path, key=key)
    context = ServiceContext.open(store)
    visits = VisitService(context)
    if context.identity.user_id is None:
        context.set_current_user(_any_user(context))
    provider = ProviderService(context).search("", limit=1)[0]
    detail = visits.create(
        VisitDraft(provider_id=provider.id, visit_type=VisitType.DESKTOP_REVIEW, title="Bench")
    )
    session = visits.add_session(
        detail.summary.id, SessionDraft(title="F1", audience=Audience.LEARNERS)
    )
    return Side(
        name,
        context,
        ProviderService(context),
        visits,
        CaptureService(context),
        detail.summary.id,
        session.id,
    )


def _any_user(context: ServiceContext) -> str:
    """The demo's lead; the national store has no users, so one is added (bench only)."""
    from eqvisit.domain.enums import UserRole
    from eqvisit.domain.ids import new_id
    from eqvisit.storage.models import User

    with context.store.unit_of_work() as uow:
        found = uow.session.query(User.id).first()
        if found is not None:
            return str(found[0])
        user_id = new_id()
        uow.session.add(
            User(id=user_id, username="bench", display_name="Bench", role=UserRole.QUALITY_LEAD)
        )
        uow.commit()
    return user_id


def export_plain(encrypted: Path, key: bytes, plain: Path) -> None:
    plain.unlink(missing_ok=True)
    connection = connect(encrypted, key)
    try:
        connection.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        connection.execute("SELECT sqlcipher_export('plain')")
        version = connection.execute("PRAGMA main.user_version").fetchone()[0]
        connection.execute(f"PRAGMA plain.user_version = {int(version):d}")
        connection.execute("DETACH DATABASE plain")
    finally:
        connection.close()


def build_demo(folder: Path) -> ProfilePaths:
    paths = resolve_profile(folder / "demo").ensure()
    if paths.store_file.exists():
        return paths
    services = open_services(paths, Unlock.from_environment(demo=True))
    try:
        services.demo.build(resource_path("data", "ods", "etr.csv"), paths.data_dir / "c.sqlite3")
    finally:
        services.close()
    return paths


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(side: Side, repeat: int) -> dict[str, list[float]]:
    keystrokes = [word[:n] for word in WORDS for n in range(1, len(word) + 1)]
    counter = iter(range(10**9))
    search: list[float] = []
    for query in keystrokes:
        search += timed(lambda query=query: side.providers.search(query), 1)  # type: ignore[misc]
    return {
        "provider search (per keystroke)": search,
        "visit load": timed(lambda: side.visits.get(side.visit_id), repeat * 10),
        "save response": timed(
            lambda: side.capture.save_response(
                side.session_id, f"q{next(counter) % 20}", value="yes", note="Noted. " * 40
            ),
            repeat * 10,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="the national-scale store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="reuse stores built here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        started = time.perf_counter()
        paths = build_national(folder) if args.national else build_demo(folder)
        key = store_keys(paths).unlock(Unlock.from_environment(demo=True))
        plain_file = paths.data_dir / "plain-copy.sqlite3"
        export_plain(paths.store_file, key, plain_file)
        size_mb = paths.store_file.stat().st_size / 1e6
        print(
            f"{'national' if args.national else 'demo'} store, {size_mb:.0f} MB "
            f"(ready in {time.perf_counter() - started:.0f} s)"
        )
        encrypted = open_side("encrypted", paths.store_file, key)
        plain = open_side("plain", plain_file, None)
        try:
            for side in (plain, encrypted):
                measure(side, 1)  # warm the page caches alike
            results: dict[str, dict[str, list[float]]] = {"plain": {}, "encrypted": {}}
            for _ in range(args.repeat):  # alternate, so drift in the machine hits both
                for side in (plain, encrypted):
                    for name, samples in measure(side, 1).items():
                        results[side.name].setdefault(name, []).extend(samples)
        finally:
            encrypted.context.store.close()
            plain.context.store.close()
        plain_file.unlink(missing_ok=True)

        print(f"{'':34s} {'plain p50':>10s} {'SQLCipher p50':>14s} {'ratio':>6s}   target ≤ 1.50")
        for name, plain_samples in results["plain"].items():
            ours = statistics.median(results["encrypted"][name])
            theirs = statistics.median(plain_samples)
            print(f"  {name:32s} {theirs:8.2f} ms {ours:12.2f} ms {ours / theirs:6.2f}")

        unlocks: list[float] = []
        derives: list[float] = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            derive_key(PASSPHRASE, bytes(16), DEFAULT_KDF)
            derived = time.perf_counter()
            store = open_store(paths.store_file, key=key, backup_dir=paths.backup_dir)
            ServiceContext.open(store)
            opened = time.perf_counter()
            store.close()
            derives.append((derived - start) * 1000)
            unlocks.append((opened - derived) * 1000)
        kdf = DEFAULT_KDF
        print(
            f"unlock: Argon2id (t={kdf.time_cost}, m={kdf.memory_kib // 1024} MiB, "
            f"p={kdf.parallelism}) {statistics.median(derives):.0f} ms + open and verify "
            f"{statistics.median(unlocks):.0f} ms = "
            f"{statistics.median(derives) + statistics.median(unlocks):.0f} ms   target ≤ 300 ms"
        )


if __name__ == "__main__":
    main()
