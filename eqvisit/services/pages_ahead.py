"""A scope's pages fetched and read ahead of the one being written, on helper threads.

A pull is three kinds of work on every page: the central store builds it and sends it, the laptop
reads it (parses it and makes its rows ready, Python holding the interpreter's lock), and the
laptop writes it (SQLite, which lets go of that lock). Done one after the other each waits for
the others; here they overlap. A page's cursor travels in its headers
(:class:`~eqvisit.sync.client.RawPage`), so the next page is asked for as soon as one has
arrived, before it is read: the store builds page *n + 1* while the laptop reads page *n* and
writes page *n - 1*. At most ``ahead`` pages are fetched or read beyond the one being written,
which bounds the memory a pull of a million rows takes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

from eqvisit.sync.client import RawPage

T = TypeVar("T")
PAGES_AHEAD = 2


class PagesAhead(Generic[T]):
    """Iterate the read pages of a scope from ``after``, in order; use as a context manager (it
    owns two helper threads, and stops them, unread pages dropped, when the writer stops)."""

    def __init__(
        self,
        fetch: Callable[[int], RawPage],
        read: Callable[[RawPage], T],
        after: int,
        *,
        ahead: int = PAGES_AHEAD,
    ) -> None:
        if ahead < 1:
            raise ValueError("at least one page must be read ahead")
        self._fetch = fetch
        self._read = read
        self._after = after
        self._ahead = ahead
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="eqvisit-pull")

    def __enter__(self) -> PagesAhead[T]:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __iter__(self) -> Iterator[T]:
        fetching: Future[RawPage] | None = self._pool.submit(self._fetch, self._after)
        reading: deque[Future[T]] = deque()
        while True:
            while fetching is not None and len(reading) < self._ahead:
                arrived = fetching.result()
                reading.append(self._pool.submit(self._read, arrived))
                fetching = self._pool.submit(self._fetch, arrived.cursor) if arrived.more else None
            if not reading:
                return
            yield reading.popleft().result()
