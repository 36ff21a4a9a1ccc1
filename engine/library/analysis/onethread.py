"""Run analysis with every BLAS/OpenMP pool at one thread, so its floats never depend on the pool.

OpenBLAS gives results that differ in the last bits with the number of threads it uses (tested:
the same clip analysed with 2 threads and with 1 differs by up to 5e-7). Local scan processes,
the in-process path and Dask workers (whose nanny starts them with ``OMP_NUM_THREADS=1``) must
therefore all analyse with the same count — one, which is also right when several analysis
processes share the cores.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_cache: dict[str, Any] = {"controller": None, "modules": -1}


def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    if _cache["modules"] != len(sys.modules):
        _cache["controller"], _cache["modules"] = ThreadpoolController(), len(sys.modules)
    return _cache["controller"]


def single_threaded(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` with the loaded thread pools limited to one thread.

    A pool a first call loads (a lazy import) was not limited during that call, so the call is
    made again under a limit that includes it (once per process and new library).
    """
    while True:
        controller = _controller()
        pools = len(controller.lib_controllers)
        with controller.limit(limits=1):
            value = func(*args)
        if len(_controller().lib_controllers) == pools:
            return value
