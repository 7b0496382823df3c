"""Kill test: the app is SIGKILLed while a note is being typed; the autosaved text survives."""

from __future__ import annotations

import ast
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from eqvisit.app_services import Services, open_services, store_keys
from eqvisit.paths import ProfilePaths
from eqvisit.storage.store import open_store
from tests.conftest import TEST_UNLOCK

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 3


def learners_session(demo: Services) -> str:
    (visit,) = demo.visits.list_visits()
    (session,) = [s for s in demo.visits.get(visit.id).sessions if s.title.startswith("Foundation")]
    return session.id


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_note_typed_when_the_app_is_killed_is_there_up_to_the_last_autosave(
    demo: Services, profile: ProfilePaths
) -> None:
    session_id = learners_session(demo)
    demo.close()
    rng = random.Random(20261123)
    for _ in range(ROUNDS):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ui.capture_typist",
                str(profile.data_dir.parent),
                session_id,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        first = child.stdout.readline()
        assert first.startswith("saved "), "autosave should have run"
        time.sleep(rng.uniform(0.2, 1.5))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        reported = [
            ast.literal_eval(line.removeprefix("saved "))
            for line in [first, *output.splitlines(keepends=True)]
            if line.startswith("saved ") and line.endswith("\n")
        ]

        store = open_store(profile.store_file, key=store_keys(profile).unlock(TEST_UNLOCK))
        try:
            with store.engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        finally:
            store.close()
        services = open_services(profile, TEST_UNLOCK)
        try:
            (note,) = [r.note for r in services.capture.responses(session_id)]
        finally:
            services.close()
        assert note.startswith(reported[-1]), "everything up to the last autosave is there"
        assert note.startswith("word0 "), note
