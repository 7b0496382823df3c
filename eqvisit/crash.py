"""Crash reports: what an unexpected exception or a hard crash leaves behind for whoever fixes it.

:func:`install` hooks ``sys.excepthook`` and ``threading.excepthook`` and turns on
``faulthandler`` (for segfaults and aborts, which no Python hook sees) into the profile's log
folder. A report holds the traceback's frames (file, line, function, source line), the exception
type, eqvisit's version and the platform — never the exception's message, local variables or
anything else a user typed, because our messages quote values ("field: what is wrong") and a
report is meant to be sent on. The UI registers a notifier to tell the user where the report is.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from eqvisit import __version__

log = logging.getLogger(__name__)

Notifier = Callable[[Path], None]


def describe(error: BaseException) -> str:
    """The exception chain as types and frames, without messages (they may quote user data)."""
    lines = list(traceback.TracebackException.from_exception(error).format(chain=True))
    return "".join(_without_messages(error, lines))


def _without_messages(error: BaseException, lines: list[str]) -> list[str]:
    messages = set()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if text:
            messages.add(text)
        current = current.__cause__ or current.__context__
    cleaned = []
    for line in lines:
        for text in messages:
            if text in line:
                line = line.replace(text, "<message withheld>")
        cleaned.append(line)
    return cleaned


def write_report(folder: Path, error: BaseException, *, where: str) -> Path:
    """Write one report file into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.now(UTC)
    path = folder / f"crash-{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}.txt"
    body = (
        f"eqvisit {__version__} crash report\n"
        f"time: {now.isoformat()}\n"
        f"where: {where}\n"
        f"python: {platform.python_version()} ({sys.executable if not _frozen() else 'bundle'})\n"
        f"platform: {platform.platform()}\n"
        f"frozen: {_frozen()}\n"
        f"exception: {type(error).__module__}.{type(error).__qualname__}\n\n"
        f"{describe(error)}"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(body)
    return path


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


@dataclass
class CrashHandler:
    """The installed hooks of one process; ``notify`` is set by the UI once it can show a dialog.

    ``notify`` may be called on any thread (a worker's exception arrives on the worker's thread);
    the UI's notifier hands the path over to the UI thread itself.
    """

    folder: Path
    fault_file: IO[str] | None = None
    notify: Notifier | None = None
    reports: list[Path] = field(default_factory=list)

    def report(self, error: BaseException, *, where: str) -> Path | None:
        try:
            path = write_report(self.folder, error, where=where)
        except OSError:
            log.exception("could not write a crash report into %s", self.folder)
            return None
        self.reports.append(path)
        log.critical("unexpected %s in %s; report at %s", type(error).__name__, where, path)
        if self.notify is not None:
            try:
                self.notify(path)
            except Exception:  # the notifier must never turn one crash into two
                log.exception("could not tell the user about the crash report")
        return path

    def _excepthook(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        path = self.report(error.with_traceback(trace), where="main thread")
        print(f"eqvisit: unexpected {kind.__name__}; a crash report is at {path}", file=sys.stderr)

    def _threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.report(args.exc_value.with_traceback(args.exc_traceback), where=f"thread {name}")

    def close(self) -> None:
        """Stop writing hard-crash stacks to the file (the file is closed last)."""
        if self.fault_file is not None:
            faulthandler.disable()
            self.fault_file.close()
            self.fault_file = None


def install(crash_dir: Path, fault_log: Path) -> CrashHandler:
    """Hook Python's exception handlers and ``faulthandler`` for this process."""
    fault_log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Kept open for the life of the process: faulthandler writes with no Python left to open it.
    fault_file = fault_log.open("a", encoding="utf-8")
    fault_file.write(f"--- eqvisit {__version__} pid {os.getpid()} {datetime.now(UTC):%c} UTC\n")
    fault_file.flush()
    faulthandler.enable(file=fault_file, all_threads=True)
    handler = CrashHandler(crash_dir, fault_file)
    sys.excepthook = handler._excepthook
    threading.excepthook = handler._threading_hook
    return handler
