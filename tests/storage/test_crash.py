"""A writer SIGKILLed at random moments never corrupts the store or loses a reported commit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from eqvisit.app_services import Services, store_keys
from eqvisit.domain.enums import ProviderKind, UserRole
from eqvisit.domain.ids import new_id
from eqvisit.paths import ProfilePaths
from eqvisit.storage import models as m
from eqvisit.storage.store import open_store
from tests.conftest import TEST_UNLOCK

ROUNDS = 15
REPO = Path(__file__).resolve().parents[2]

MODEL_OF: dict[str, type[m.Visit | m.InterviewSession | m.Response]] = {
    "visit": m.Visit,
    "session": m.InterviewSession,
    "response": m.Response,
}


def seed(services: Services) -> str:
    provider_id, user_id = new_id(), new_id()
    with services.context.store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(id=provider_id, ods_code="RXX", name="Test Trust", kind=ProviderKind.TRUST)
        )
        uow.session.add(
            m.User(id=user_id, username="lead", display_name="Lead", role=UserRole.QUALITY_LEAD)
        )
        uow.commit()
    services.context.set_current_user(user_id)
    return provider_id


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_moments_loses_nothing_reported(
    services: Services, profile: ProfilePaths
) -> None:
    provider_id = seed(services)
    services.close()
    rng = random.Random(20261122)
    reported: list[tuple[str, str]] = []
    for _ in range(ROUNDS):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.storage.crash_writer",
                str(profile.data_dir.parent),
                provider_id,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for line in output.splitlines(keepends=True):
            if line.endswith("\n") and " " in line:  # a line cut by the kill proves nothing
                kind, record_id = line.split()
                reported.append((kind, record_id))
    assert len(reported) > ROUNDS, "the writer should have committed many records"

    store = open_store(profile.store_file, key=store_keys(profile).unlock(TEST_UNLOCK))
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            for kind, record_id in reported:
                model = MODEL_OF[kind]
                found = connection.execute(
                    select(func.count()).select_from(model).where(model.id == record_id)
                ).scalar_one()
                assert found == 1, f"{kind} {record_id} was reported committed but is missing"
            changes = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            assert changes >= len(reported), "every committed record has its outbox change"
    finally:
        store.close()
