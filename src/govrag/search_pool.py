"""/search answered by several processes, each with its own copy of the index.

One Python process serves one search at a time where the GIL is held (the query's hints and
tokens, the Qdrant Edge query, reading the hits), so on 2 cores one `govrag serve` process used
about one core, and 8 clients queued behind it. Several uvicorn workers would each own a process,
but a kept-alive connection stays with the worker that accepted it, and one worker accepts most
connections that arrive together (8 clients came in as 6 and 2): the cores still sat idle. Here
the API process stays one (keys, rate limits, audit and the other routes as before) and hands each
search to whichever search process is free: a search is a small message each way (the question,
its options; the hits, about 18 kB pickled, 0.2 ms).

An embedded shard has one owner, so each process opens the first copy of the index no other
process holds (`service.open_service`; the copies are made by `govrag serve`, index/replicas.py).
Each writes its own audit records (the audit log locks across processes). A search process that
dies is replaced: the request that met it is retried once on a fresh pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from govrag.config import Settings
from govrag.retrieval.search import SearchOptions, SearchResult

STARTUP_S = 900  # longest a search process may take to open its index (the whole archive: ~20 s)

_service: Any = None  # the Service of this search process (set by _open, in the child)
_started: Any = None  # a Barrier all the pool's processes meet at once started


def _open(settings: Settings, started: Any) -> None:
    global _service, _started
    from govrag.service import open_service

    _service = open_service(settings, check_pages=False)  # the API process runs the page check
    _started = started


def _whoami() -> tuple[int, str]:
    """Held until every process of the pool is in it, so each probe starts a process of its own (the
    executor starts a new process only when none is idle)."""
    _started.wait(timeout=STARTUP_S)
    return os.getpid(), str(_service.settings.index_dir)


def _search(query: str, options: SearchOptions, caller: Any, rewrite: bool | None) -> SearchResult:
    return _service.search(query, options, caller=caller, rewrite=rewrite)  # type: ignore[no-any-return]


class SearchPool:
    """`processes` search processes over `settings`; started (each with its index open) before it returns."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self.workers: list[tuple[int, str]] = []
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(self.processes, mp_context=context, initializer=_open,
                                       initargs=(self.settings, context.Barrier(self.processes)))
        # The probes start every process and answer once every index is open: the API serves no
        # search before then.
        probes = [executor.submit(_whoami) for _ in range(self.processes)]
        try:
            self.workers = sorted({p.result() for p in probes})
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        return executor

    def _submit(self, *args: Any) -> tuple[ProcessPoolExecutor, Future[SearchResult]]:
        with self._lock:
            return self._executor, self._executor.submit(_search, *args)

    async def search(self, query: str, options: SearchOptions, *, caller: Any = None,
                     rewrite: bool | None = None) -> SearchResult:
        """Service.search in a free search process (a broken pool is restarted and the search retried once)."""
        args = (query, options, caller, rewrite)
        executor = self._executor
        try:  # a pool known to be broken refuses at submit; one that breaks meanwhile, on the result
            executor, future = self._submit(*args)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            await asyncio.to_thread(self._restart, executor)
            return await asyncio.wrap_future(self._submit(*args)[1])

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """A fresh pool in place of `broken`, unless another request has replaced it already."""
        with self._lock:
            if self._executor is not broken:
                return
            broken.shutdown(wait=True, cancel_futures=True)
            self._executor = self._start()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
