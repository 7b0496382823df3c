"""Logging: one formatter, a rotating file in the profile's log folder, stderr only when asked.

Never log passwords, tokens or free-text notes; log ids and counts instead.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from pathlib import Path

from eqvisit import __version__

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
QUIET_LOGGERS = ("sqlalchemy", "alembic", "httpx", "httpcore", "uvicorn.access")


def configure_logging(log_file: Path, *, verbose: bool = False, to_stderr: bool = False) -> None:
    """Send eqvisit's log to a rotating file (1 MB × 5) and, if asked, to stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_eqvisit", False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(FORMAT)
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handlers: list[logging.Handler] = [file_handler]
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._eqvisit = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("eqvisit").info(
        "eqvisit %s on %s, Python %s%s",
        __version__,
        platform.platform(),
        platform.python_version(),
        " (bundle)" if getattr(sys, "frozen", False) else "",
    )
