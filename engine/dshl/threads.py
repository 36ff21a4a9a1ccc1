"""Run small numeric work single-threaded: BLAS thread pools only slow tiny products down.

On a busy machine a 2-thread OpenBLAS matrix product of 200×112 by 112×64 took ~5 ms against
0.1 ms on one thread; composing does hundreds of these, so it runs inside :func:`single_threaded`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_controller = None


def _get_controller():
    """One threadpoolctl controller per process (building one scans loaded libraries: ~1 ms)."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
            return None
        _controller = ThreadpoolController()
    return _controller


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Limit BLAS/OpenMP pools (via threadpoolctl, when installed) and torch to one thread."""
    import torch

    before = torch.get_num_threads()
    controller = _get_controller()
    limiter = controller.limit(limits=1) if controller is not None else None
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
        if limiter is not None:
            limiter.restore_original_limits()
