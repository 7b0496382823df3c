"""Cycles are collected on the UI thread only, never on the worker's (eqvisit.ui.gc_guard)."""

from __future__ import annotations

import gc
import threading
import weakref

from eqvisit.ui.gc_guard import keep_collection_on_ui_thread


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_a_cycle_dropped_is_freed_by_the_ui_thread_not_by_a_busy_worker(qtbot) -> None:  # type: ignore[no-untyped-def]
    collector = keep_collection_on_ui_thread()
    assert keep_collection_on_ui_thread() is collector
    assert not gc.isenabled()
    gc.collect()
    node = Node()
    alive = weakref.ref(node)
    del node

    def allocate() -> None:  # far past every threshold: automatic collection would have run
        junk = [[] for _ in range(200_000)]
        del junk

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert alive() is not None, "the worker's allocations did not collect the cycle"

    qtbot.waitUntil(lambda: alive() is None, timeout=5_000)  # the UI thread's timer did
