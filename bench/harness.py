"""What the benchmarks share: a central store on a SQLite file or a throw-away PostgreSQL schema, a
free loopback port, a server in a child process, a percentile, and the shape of synthetic
intelligence rows and agenda sessions.

The benchmarks are run as plain files (``python bench/bench_x.py``), so Python puts ``bench/`` on
the path and they import this module as ``harness``.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent

INDICATORS = (
    "Clinical supervision",
    "Handover",
    "Induction",
    "Rota design",
    "Feedback",
    "Teamwork",
)
FLAGS = ("red", "pink", "white", "light_green", "green", "grey")
ITEM_COLUMNS = (
    "id",
    "provider_id",
    "source",
    "period",
    "indicator",
    "dimensions",
    "n",
    "value",
    "benchmark",
    "flag",
    "text",
    "created_at",
    "updated_at",
)


def session_fields(visit_id: str, title: str) -> dict[str, Any]:
    """A new learners' session of ``visit_id``, as ``server_write`` takes its fields."""
    return {
        "visit_id": visit_id,
        "title": title,
        "audience": "learners",
        "learner_group_id": None,
        "template_id": None,
        "template_version": None,
        "starts_at": None,
        "ends_at": None,
        "room": "",
        "attendance": {},
        "completed": False,
    }


@contextmanager
def central_store(pg_url: str | None, prefix: str) -> Iterator[tuple[str, Path, str]]:
    """``(database URL, work folder, label)``: a SQLite file in a temporary folder, or a
    throw-away schema of the PostgreSQL database at ``pg_url``."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        folder = Path(name)
        if pg_url:
            with pg_schema(pg_url) as url:
                yield url, folder, "PostgreSQL"
        else:
            yield str(folder / "central.sqlite3"), folder, "SQLite file (WAL)"


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A URL on a fresh schema of the PostgreSQL database at ``url``, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with owner.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def child_server(command: list[str], folder: Path, name: str, port: int) -> Iterator[str]:
    """A server child process on 127.0.0.1:``port``, up once ``/health`` answers at all."""
    log_path = folder / f"{name.replace(' ', '-')}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def eqvisit_server(db_url: str, folder: Path) -> Iterator[str]:
    """``eqvisit server`` over ``db_url`` in a child process on a free 127.0.0.1 port."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "eqvisit", "server", "--db", db_url),
        *("--port", str(port), "--profile", str(folder / "server-profile")),
    ]
    with child_server(command, folder, "eqvisit server", port) as url:
        yield url


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
