"""Scan analysis on a Dask ``distributed`` cluster (``segue library scan --cluster tcp://HOST:8786``).

The scan's reconcile and every database write stay local (one writer); only the analysis of
``pending`` files is sent to the cluster, in chunks of up to :data:`CHUNK_MAX` files per task (one
client and scheduler round trip per chunk, not per file: the one writer's work per track stays
small) and a bounded number of tasks in flight (about two per worker thread, so memory stays flat
whatever the library's size). Workers run the very function the local pool runs
(:func:`engine.library.analysis.track.analyse_file`, i.e. ``analyse_one`` at one BLAS thread): on
the file's own path when they can see it (a shared mount, same size), else on a temporary copy of
the bytes this process sends them (one file per task) under the same file name (so tags and the
title fallback are the same). Connecting is bounded (engine/library/scan/cluster_connect.py);
`segue library cluster-check` is :mod:`engine.library.scan.cluster_check`.

Faults: a worker that dies mid-chunk has its chunk retried elsewhere by the scheduler; a chunk
whose worker died twice (``allowed_failures`` = 1, set on the scheduler for this scan) is split
and its files tried one per task, so only a file that kills its worker twice is stored as skipped
with the reason; a scheduler that goes away (or a cluster left with no workers) ends the scan
with :class:`ClusterLost` — what was committed stays and the next scan resumes. Cancel releases
every outstanding task and closes the client at once.

``distributed`` is an optional extra (``pip install segue[cluster]``), imported only here and
only when a cluster address is given.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.jobs import CancelledFn, check_cancelled
from engine.library.analysis.track import analyse_file
from engine.library.scan.cluster_connect import (
    ClusterError,
    ClusterLost,
    close_client,
    distributed_module,
    open_client,
    scheduler_address,
)

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
IN_FLIGHT_PER_THREAD = 2  # tasks submitted per worker thread (back-pressure)
CHUNK_MAX = 16  # files per task at most (a task's result is one client/scheduler round trip)
BYTES_IN_FLIGHT = 256 * 1024**2  # at most this much shipped audio waiting at once
ALLOWED_FAILURES = 1  # a task may lose one worker; the second death skips the file
NO_WORKERS_GRACE = 30.0  # seconds with no worker at all before the scan gives up
NEED_BYTES = "need_bytes"
POLL = 0.2  # seconds between checks of cancel while nothing completes


def analyse_remote(path: str, size: int, data: bytes | None = None) -> dict[str, object]:
    """Worker entry: :func:`analyse_one` on ``path`` when visible here, else on ``data``.

    Without ``data``, a worker that does not see ``path`` (or sees a file of another size) answers
    ``{"path": path, "need_bytes": True}`` and the client sends the bytes.
    """
    if data is None:
        try:
            visible = os.path.isfile(path) and (size < 0 or os.path.getsize(path) == size)
        except OSError:
            visible = False
        return analyse_file(path) if visible else {"path": path, NEED_BYTES: True}
    with tempfile.TemporaryDirectory(prefix="segue-scan-") as tmp:
        local = os.path.join(tmp, os.path.basename(path))
        with open(local, "wb") as handle:
            handle.write(data)
        item = analyse_file(local)
    item["path"] = path
    if "reason" in item:
        item["reason"] = str(item["reason"]).replace(local, path)
    return item


def analyse_remote_many(files: list[tuple[str, int]]) -> list[dict[str, object]]:
    """Worker entry: :func:`analyse_remote` (without bytes) on each ``(path, size)``, in order."""
    return [analyse_remote(path, size) for path, size in files]


@dataclass
class WorkerInfo:
    """One worker as `segue library cluster-check` reports it."""

    address: str
    threads: int
    memory_mb: float
    sees: dict[str, bool]
    segue: str  # the features its Segue computes (version, chromaprint), or why it cannot run
    ok: bool  # computes what this Segue computes


def _probe_on_worker(folders: list[str]) -> dict[str, object]:
    """Runs on each worker (pickled by value, so it works even without Segue there)."""
    import os as _os

    sees = {f: _os.path.isdir(f) and _os.access(f, _os.R_OK | _os.X_OK) for f in folders}
    try:
        from engine.library.analysis.features import FEATURE_VERSION
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"sees": sees, "error": f"cannot import Segue: {type(exc).__name__}: {exc}"}
    try:
        import acoustid

        prints = "chromaprint" if getattr(acoustid, "have_chromaprint", False) else "no chromaprint"
    except ImportError:
        prints = "no chromaprint"
    return {"sees": sees, "signature": f"features v{FEATURE_VERSION}, {prints}"}


def local_signature() -> str:
    """What this Segue's analysis depends on, as the workers' probe reports it."""
    return str(_probe_on_worker([])["signature"])


def _by_value(func: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of ``func`` that cloudpickle sends by value (a scheduler or worker without Segue
    can still run it)."""
    import types

    copy = types.FunctionType(func.__code__, {"__builtins__": __builtins__}, func.__name__)
    copy.__qualname__ = f"remote.<locals>.{func.__name__}"
    copy.__module__ = "__main__"
    return copy


def _set_allowed_failures(count: int, dask_scheduler: Any = None) -> int:
    """Runs on the scheduler: how many worker deaths a task survives (returns the old value)."""
    old = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = count
    return old


class ClusterAnalysis:
    """A connection to a Dask scheduler that analyses pending files (a scanner backend).

    Use as a context manager; call the instance as ``backend(todo, record, cancelled)``.
    """

    def __init__(self, address: str, timeout: float = CONNECT_TIMEOUT,
                 send_audio: bool = False) -> None:
        """Connect to ``address``; ``send_audio``: always ship the files' bytes (workers that
        mount the music under another path)."""
        self.address = address = scheduler_address(address)
        self.send_audio = send_audio
        self.client = open_client(address, timeout)  # bounded waits (engine/library/cluster_connect)
        self._old_failures: int | None = None

    def __enter__(self) -> ClusterAnalysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give the scheduler back its retry setting and disconnect (quickly)."""
        try:
            if self._old_failures is not None and self.client.status == "running":
                self.client.run_on_scheduler(_by_value(_set_allowed_failures), self._old_failures)
        except Exception:  # noqa: BLE001, S110 - best effort while leaving
            pass
        self._old_failures = None
        close_client(self.client)  # within 2 s, never raises, leaves nothing for __del__

    def workers(self, folders: list[str] | tuple[str, ...] = ()) -> list[WorkerInfo]:
        """Every worker: threads, memory limit, whether it sees each folder, its Segue."""
        try:
            info = self.client.scheduler_info(n_workers=-1)["workers"]
            probes = self.client.run(_by_value(_probe_on_worker), list(folders), on_error="return")
        except (OSError, TimeoutError) as exc:
            raise ClusterLost(f"the Dask scheduler at {self.address} went away: {exc}") from exc
        out, here = [], local_signature()
        for address, worker in sorted(info.items()):
            probe = probes.get(address)
            if isinstance(probe, dict):
                sees = dict(probe["sees"])
                segue = probe.get("error") or probe["signature"]
            else:
                sees, segue = {f: False for f in folders}, f"probe failed: {probe!r}"
            out.append(WorkerInfo(address, int(worker.get("nthreads", 0)),
                                  round(worker.get("memory_limit", 0) / 1024**2, 1), sees, segue,
                                  segue == here))
        return out

    def _check_workers(self) -> int:
        """Threads of the workers; refuse a worker whose Segue would store other results."""
        threads = 0
        for worker in self.workers():
            if not worker.ok:
                raise ClusterError(f"worker {worker.address} cannot analyse for this Segue "
                                   f"({worker.segue}; here: {local_signature()})")
            threads += worker.threads
        return threads

    def __call__(self, todo: list[str], record: Callable[[dict[str, object]], None],
                 cancelled: CancelledFn) -> None:
        """Analyse ``todo`` on the cluster, calling ``record`` with each result as it arrives.

        Files the workers see go in chunks of up to :data:`CHUNK_MAX` per task (one client and
        scheduler round trip per chunk, not per file); files sent as bytes go one per task."""
        distributed = distributed_module()
        threads = self._check_workers()
        self.limit_failures()
        limit = max(2, threads * IN_FLIGHT_PER_THREAD)
        per_task = chunk_size(len(todo), limit)
        queue: deque[tuple[str, bool]] = deque((path, self.send_audio) for path in todo)
        in_flight: dict[Any, tuple[list[str], int]] = {}  # future -> (paths, shipped bytes)
        alone: set[str] = set()  # files of a chunk that lost two workers: one per task now
        waiting = distributed.as_completed(loop=self.client.loop)
        shipped = 0
        last_check, no_workers_since = time.monotonic(), None
        try:
            while queue or in_flight:
                while queue and len(in_flight) < limit:
                    path, ship = queue[0]
                    if ship and shipped and shipped + _size(path) > BYTES_IN_FLIGHT:
                        break
                    if path in alone and any(p[0] in alone for p, _ in in_flight.values()):
                        break  # suspects run one at a time: a crash then blames only its own file
                    if ship:
                        paths = [queue.popleft()[0]]
                        future, nbytes = self._ship(path, record)
                    else:
                        paths = _take(queue, per_task, alone)
                        future, nbytes = self._submit(paths), 0
                    if future is not None:
                        in_flight[future] = (paths, nbytes)
                        shipped += nbytes
                        waiting.add(future)
                done = waiting.next_batch(block=False)
                for future in done:
                    paths, nbytes = in_flight.pop(future)
                    shipped -= nbytes
                    items = self._result(future, paths, distributed)
                    if items is None:  # a chunk lost two workers: its files again, one per task
                        alone.update(paths)
                        queue.extendleft((p, False) for p in reversed(paths))
                        continue
                    for item in items:
                        if item.get(NEED_BYTES):
                            queue.appendleft((str(item["path"]), True))
                        else:
                            record(item)
                check_cancelled(cancelled)
                if not done:
                    _wait_for_one(waiting)
                if time.monotonic() - last_check > 2.0:
                    last_check = time.monotonic()
                    no_workers_since = self._alive(no_workers_since)
        except BaseException:
            if in_flight and self.client.status == "running":
                try:
                    self.client.cancel(list(in_flight), force=True, reason="segue scan stopped")
                except Exception:  # noqa: BLE001, S110 - leaving anyway; close() follows
                    pass
            raise

    def limit_failures(self) -> None:
        """Have the scheduler give up on a task after ``ALLOWED_FAILURES + 1`` worker deaths
        (restored when this connection closes)."""
        old = self.client.run_on_scheduler(_by_value(_set_allowed_failures), ALLOWED_FAILURES)
        if self._old_failures is None:
            self._old_failures = old

    def _submit(self, paths: list[str]) -> Any:
        """One task analysing ``paths`` where the workers see them (else they ask for bytes),
        named ``analyse_remote-…`` on the scheduler like the single-file tasks."""
        return self.client.submit(analyse_remote_many, [(p, _size(p)) for p in paths],
                                  key=f"analyse_remote-{uuid.uuid4().hex}")

    def _ship(self, path: str, record: Callable[[dict[str, object]], None]) -> tuple[Any, int]:
        """One task analysing ``path`` from its bytes, sent along (or its result at once)."""
        from engine.library.analysis.decode import MAX_FILE_BYTES

        size = _size(path)
        if size > MAX_FILE_BYTES or size <= 0:  # analyse_one only says why; no need to ship it
            record(analyse_file(path))
            return None, 0
        try:
            data = Path(path).read_bytes()
        except OSError:  # unreadable here: analyse_one gives the same reason a local scan would
            record(analyse_file(path))
            return None, 0
        scattered = self.client.scatter(data, hash=False)
        return self.client.submit(analyse_remote, path, size, scattered, pure=False), len(data)

    def _result(self, future: Any, paths: list[str] | str,
                distributed: Any) -> list[dict[str, object]] | dict[str, object] | None:
        """The task's result(s); for a failed task of one file, that file's skip reason, and
        ``None`` for a failed chunk of several (each file is then tried on its own)."""
        from distributed.scheduler import KilledWorker

        path = paths if isinstance(paths, str) else paths[0]
        alone = isinstance(paths, str) or len(paths) == 1
        try:
            value = future.result()
        except KilledWorker:
            if not alone:
                return None
            value = {"path": path, "reason": f"crashed an analysis worker {ALLOWED_FAILURES + 1} "
                     "times (cluster)"}
        except distributed.client.FutureCancelledError as exc:
            raise ClusterLost(f"the Dask scheduler at {self.address} went away "
                              f"({exc.reason}); analysed files are kept and the next scan "
                              "resumes") from exc
        except (OSError, TimeoutError) as exc:
            raise ClusterLost(f"lost the Dask scheduler at {self.address}: {exc}; analysed "
                              "files are kept and the next scan resumes") from exc
        except ImportError as exc:
            raise ClusterError(f"a worker of {self.address} cannot run Segue: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - one file's trouble must not stop the scan
            if not alone:
                return None
            value = {"path": path, "reason": f"analysis failed on the cluster: "
                     f"{type(exc).__name__}: {exc}"}
        if isinstance(paths, str):  # one file asked for directly
            return value
        return value if isinstance(value, list) else [value]

    def _alive(self, no_workers_since: float | None) -> float | None:
        """Raise :class:`ClusterLost` when the scheduler is gone or has had no worker too long."""
        if self.client.status not in ("running", "connecting"):
            raise ClusterLost(f"the Dask scheduler at {self.address} went away; analysed files "
                              "are kept and the next scan resumes")
        try:
            threads = sum(self.client.nthreads().values())
        except (OSError, TimeoutError) as exc:
            raise ClusterLost(f"lost the Dask scheduler at {self.address}: {exc}") from exc
        if threads:
            return None
        now = time.monotonic()
        if no_workers_since is not None and now - no_workers_since > NO_WORKERS_GRACE:
            raise ClusterLost(f"the Dask cluster at {self.address} has had no worker for "
                              f"{NO_WORKERS_GRACE:.0f} s; analysed files are kept")
        return no_workers_since or now


def chunk_size(files: int, tasks_in_flight: int) -> int:
    """Files per task: at most :data:`CHUNK_MAX`, and few enough that every task slot gets about
    two tasks (a small scan keeps one file per task, and all its parallelism)."""
    return max(1, min(CHUNK_MAX, files // (2 * max(1, tasks_in_flight))))


def _take(queue: deque[tuple[str, bool]], count: int, alone: set[str]) -> list[str]:
    """Up to ``count`` paths from the front of ``queue`` for one task, stopping at one to be sent
    as bytes; a path in ``alone`` gets a task of its own."""
    paths = [queue.popleft()[0]]
    while (queue and len(paths) < count and paths[0] not in alone and not queue[0][1]
           and queue[0][0] not in alone):
        paths.append(queue.popleft()[0])
    return paths


def _wait_for_one(waiting: Any) -> None:
    """Sleep until a future completes or :data:`POLL` seconds pass (cancel stays prompt)."""
    condition = getattr(waiting, "thread_condition", None)
    if condition is None:
        time.sleep(POLL)
        return
    with condition:
        if not waiting.has_ready():
            condition.wait(timeout=POLL)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return -1
