"""Chunked, ordered process pool for per-file work (EXIF reading), with an optional progress bar.

The work is cut into chunks of files; each task handles one chunk and returns one compact result
(plain lists, never library objects), and results come back in input order. Small inputs run
in-process: starting worker processes costs more than it saves below ``POOL_MIN_ITEMS`` items.

Workers are started with the ``forkserver`` method where it exists (POSIX), else ``spawn``:
forking the calling process itself is unsafe once it runs threads (pyarrow, tqdm). The fork
server pre-imports the modules named by ``preload`` once per session, so each worker starts in
milliseconds after the first pool.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from ._errors import InputError

__all__ = ["POOL_MIN_ITEMS", "available_cpus", "chunk_size", "map_chunks", "resolve_jobs"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are processed in-process whatever ``jobs`` says. Starting a pool (fork
#: server, worker processes, pickling) costs ~0.1 s once the fork server runs and ~1 s for the
#: first pool of a session, about what reading 200 JPEGs takes on one core.
POOL_MIN_ITEMS: int = 200
#: Chunk size bounds: chunks are small enough to balance the workers (about 4 chunks per worker)
#: and large enough that per-task overhead (pickling, scheduling) stays negligible.
MIN_CHUNK_ITEMS: int = 16
MAX_CHUNK_ITEMS: int = 256
#: Chunks per worker aimed at when the input is small enough.
CHUNKS_PER_WORKER: int = 4


def available_cpus() -> int:
    """Number of CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "process_cpu_count"):  # Python ≥ 3.13
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def resolve_jobs(jobs: int | None) -> int:
    """The number of worker processes for ``jobs`` (None → every available CPU).

    Raises
    ------
    InputError
        ``jobs`` is not None nor a positive integer.
    """
    if jobs is None:
        return available_cpus()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs={jobs!r} must be a positive integer (or None for every CPU)")
    return jobs


def chunk_size(n_items: int, jobs: int) -> int:
    """Items per chunk for ``n_items`` items on ``jobs`` workers (see ``MIN/MAX_CHUNK_ITEMS``)."""
    wanted = math.ceil(n_items / max(1, jobs * CHUNKS_PER_WORKER))
    return max(MIN_CHUNK_ITEMS, min(MAX_CHUNK_ITEMS, wanted))


def map_chunks(
    func: Callable[..., R],
    items: Sequence[T],
    *,
    args: tuple[Any, ...] = (),
    jobs: int = 1,
    progress: bool = False,
    desc: str = "",
    unit: str = "item",
    preload: Sequence[str] = (),
) -> Iterator[R]:
    """``func(chunk, *args)`` for consecutive chunks of ``items``, results in input order.

    Parameters
    ----------
    func
        A module-level function (picklable by reference) taking a list of items and ``args``.
    items
        The work items (picklable).
    args
        Further positional arguments of ``func``, the same for every chunk.
    jobs
        Worker processes; 1, or fewer than ``POOL_MIN_ITEMS`` items, runs in this process.
    progress
        Show a tqdm bar on stderr, advanced by the items of each finished chunk.
    desc, unit
        Label and unit of the progress bar.
    preload
        Modules the fork server imports before forking workers (the module of ``func``).

    Yields
    ------
    The result of each chunk, in order. If a worker process dies (killed, out of memory), the
    remaining chunks are processed in this process, with a logged warning.
    """
    n_items = len(items)
    if n_items == 0:
        return
    in_process = jobs <= 1 or n_items < POOL_MIN_ITEMS
    size = chunk_size(n_items, 1 if in_process else jobs)
    chunks = [list(items[start : start + size]) for start in range(0, n_items, size)]
    with _progress_bar(total=n_items, enabled=progress, desc=desc, unit=unit) as bar:
        done = 0
        if not in_process:
            try:
                for result in _pool_map(func, chunks, args=args, jobs=jobs, preload=preload):
                    bar.update(len(chunks[done]))
                    done += 1
                    yield result
            except BrokenProcessPool as exc:
                logger.warning(
                    "a worker process died (%s); reading the remaining %d file(s) in-process",
                    exc,
                    sum(len(chunk) for chunk in chunks[done:]),
                )
        for chunk in chunks[done:]:
            result = func(chunk, *args)
            bar.update(len(chunk))
            yield result


def _pool_map(
    func: Callable[..., R],
    chunks: list[list[T]],
    *,
    args: tuple[Any, ...],
    jobs: int,
    preload: Sequence[str],
) -> Iterator[R]:
    """Ordered results of ``func(chunk, *args)`` from a process pool of at most ``jobs``."""
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver" and preload:
        context.set_forkserver_preload(list(preload))
    executor = ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=context)
    try:
        yield from executor.map(partial(_call, func, args), chunks)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _call(func: Callable[..., R], args: tuple[Any, ...], chunk: list[Any]) -> R:
    return func(chunk, *args)


class _NoBar:
    """Stand-in for a disabled progress bar."""

    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _progress_bar(*, total: int, enabled: bool, desc: str, unit: str) -> Any:
    """A tqdm bar on stderr when ``enabled``, else a no-op with the same interface."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc or None, unit=unit, file=sys.stderr, dynamic_ncols=True)
