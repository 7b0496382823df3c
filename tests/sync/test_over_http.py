"""The whole loop through the command line and a real ``eqvisit server`` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eqvisit.app_services import open_services
from eqvisit.domain.enums import Audience
from eqvisit.paths import resolve_profile
from eqvisit.services.visits import SessionDraft
from tests.conftest import TEST_UNLOCK
from tests.servers import eqvisit, running_server

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path, central_url: str) -> Iterator[tuple[str, str]]:
    with running_server(central_url, tmp_path / "server-profile") as url:
        yield url, central_url


def test_two_profiles_capture_offline_and_converge_through_the_server(
    tmp_path: Path, server: tuple[str, str]
) -> None:
    url, db = server
    for name, role in (("lead", "quality_lead"), ("panel1", "panel_member")):
        created = eqvisit(
            "admin", "--db", db, "create-user", name, "--role", role, stdin=PASSWORD + "\n"
        )
        assert created.returncode == 0, created.stderr
    visit = eqvisit(
        "admin",
        "--db",
        db,
        "create-visit",
        "--provider",
        "RXX",
        "--provider-name",
        "St Elsewhere NHS Trust",
        "--title",
        "Urgent review",
        "--type",
        "urgent_risk_review",
    )
    assert visit.returncode == 0, visit.stderr
    visit_id = visit.stdout.strip()
    for name, role in (("lead", "lead"), ("panel1", "specialty_school_lead")):
        assert (
            eqvisit("admin", "--db", db, "assign", name, visit_id, "--panel-role", role).returncode
            == 0
        )

    profiles = {name: tmp_path / name for name in ("lead", "panel1")}
    for name, folder in profiles.items():
        login = eqvisit(
            "login",
            "--server",
            url,
            "--user",
            name,
            "--password-stdin",
            "--profile",
            str(folder),
            stdin=PASSWORD + "\n",
        )
        assert login.returncode == 0, login.stderr
        assert "token kept in" in login.stdout
        assert eqvisit("sync", "--profile", str(folder)).returncode == 0

    lead = open_services(resolve_profile(profiles["lead"]), TEST_UNLOCK)
    agenda = lead.visits.add_session(
        visit_id, SessionDraft(title="Trainees", audience=Audience.LEARNERS)
    )
    lead.close()
    assert eqvisit("sync", "--profile", str(profiles["lead"])).returncode == 0
    assert eqvisit("sync", "--profile", str(profiles["panel1"])).returncode == 0

    for name, folder in profiles.items():  # offline: nothing is sent until each syncs
        services = open_services(resolve_profile(folder), TEST_UNLOCK)
        services.capture.save_response(agenda.id, "supervision", value="no", note=f"{name}'s note")
        services.close()
    for _ in range(2):
        for folder in profiles.values():
            result = eqvisit("sync", "--profile", str(folder))
            assert result.returncode == 0, result.stderr

    seen = []
    for folder in profiles.values():
        services = open_services(resolve_profile(folder), TEST_UNLOCK)
        seen.append(sorted((r.author_id, r.note) for r in services.capture.responses(agenda.id)))
        services.close()
        final = eqvisit("sync", "--profile", str(folder))
        assert f"visit:{visit_id}: everything you wrote is on the server" in final.stdout
    assert seen[0] == seen[1]
    assert len(seen[0]) == 2


def test_cli_errors_are_one_line_with_a_non_zero_exit(
    tmp_path: Path, server: tuple[str, str]
) -> None:
    url, db = server
    weak = eqvisit("admin", "--db", db, "create-user", "x", "--role", "observer", stdin="short\n")
    assert weak.returncode != 0
    assert weak.stderr.strip().count("\n") == 0
    assert "password: must be at least" in weak.stderr
    wrong = eqvisit(
        "login",
        "--server",
        url,
        "--user",
        "nobody",
        "--password-stdin",
        "--profile",
        str(tmp_path / "p"),
        stdin="whatever-password\n",
    )
    assert wrong.returncode != 0
    assert "Wrong user name or password" in wrong.stderr
    unsynced = eqvisit("sync", "--profile", str(tmp_path / "never-signed-in"))
    assert unsynced.returncode != 0
    assert "Not signed in" in unsynced.stderr
