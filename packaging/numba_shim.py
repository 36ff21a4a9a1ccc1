"""A stand-in for numba inside Segue's bundle: librosa imports numba, Segue never needs it compiled.

numba (and llvmlite, its LLVM: 171 MB) is imported by every librosa module at import time, only to
decorate helper functions. The librosa functions Segue calls (``bundle_layout.LIBROSA_CALLS``:
``filters.mel``, ``stft``, ``power_to_db``, ``util.frame``, ``feature.mfcc``, ``onset.onset_strength``)
never run a numba-compiled helper; ``tests/packaging/test_numba_shim.py`` checks that, and that they
give the same numbers with this module in numba's place.

The bundle's runtime hook (``rthooks/pyi_rth_segue_numba.py``) registers this module as ``numba``
when the real one is absent. What the decorators give back:

- ``jit``/``njit``: the Python function itself (numba's nopython semantics are Python's: same
  results, slower);
- ``vectorize`` with signatures: an element-wise ``numpy.vectorize`` with the signature's output type;
- ``guvectorize`` and ``stencil``: a function that raises :class:`NumbaNotBundled` when called,
  naming the helper (librosa's ``util.localmax``/``localmin``/``peak_pick``, ``zero_crossings``,
  ``piptrack``/``pyin`` and ``beat_track`` use them: none is called by Segue).

Every call of a fallback is counted in :data:`calls` (the test reads it).
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import numpy as np

__version__ = "0.0+segue-shim"
SEGUE_SHIM = True

#: How often each fallback ran, by ``kind:qualified name`` (read by tests/packaging).
calls: Counter[str] = Counter()

uint32, int32, int64, float32, float64 = np.uint32, np.int32, np.int64, np.float32, np.float64
complex64, complex128, boolean = np.complex64, np.complex128, np.bool_


class NumbaNotBundled(RuntimeError):
    """A numba-compiled function was called in the bundle, which leaves numba out."""


def _name(func) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _decorator(make, args, kwargs):
    """Support both ``@deco`` and ``@deco(...)`` forms."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return make(args[0], ())
    return lambda func: make(func, args)


def _python(func, _args):
    @functools.wraps(func)
    def run(*a, **k):
        calls[f"jit:{_name(func)}"] += 1
        return func(*a, **k)

    run.py_func = func
    return run


def jit(*args, **kwargs):
    """``numba.jit``: run the function as plain Python."""
    return _decorator(_python, args, kwargs)


njit = jit
generated_jit = jit


def _output_types(signatures) -> dict[np.dtype, np.dtype]:
    """``["float32(complex64)", ...]`` -> {complex64: float32, ...} (first argument's type)."""
    out = {}
    for sig in signatures if isinstance(signatures, list | tuple) else []:
        match = re.fullmatch(r"\s*(\w+)\s*\(\s*(\w+)", str(sig))
        if match:
            try:
                out[np.dtype(match.group(2))] = np.dtype(match.group(1))
            except TypeError:
                continue
    return out


def vectorize(*args, **kwargs):
    """``numba.vectorize``: an element-wise ``numpy.vectorize`` with the signature's output type."""

    def make(func, dargs):
        types = _output_types(dargs[0] if dargs else kwargs.get("signatures"))

        @functools.wraps(func)
        def ufunc(*a, out=None, **k):
            calls[f"vectorize:{_name(func)}"] += 1
            first = np.asarray(a[0])
            otype = types.get(first.dtype)
            result = np.vectorize(func, otypes=[otype] if otype is not None else None)(*a, **k)
            if out is None:
                return result
            out[...] = result
            return out

        return ufunc

    return _decorator(make, args, kwargs)


def _not_bundled(kind):
    def make(func, _args):
        @functools.wraps(func)
        def refuse(*a, **k):
            calls[f"{kind}:{_name(func)}"] += 1
            raise NumbaNotBundled(
                f"{_name(func)} is a numba {kind} and this bundle leaves numba out "
                "(packaging/numba_shim.py); run Segue from source for it")

        return refuse

    return make


def guvectorize(*args, **kwargs):
    """``numba.guvectorize``: refuses to run (see the module docstring)."""
    return _decorator(_not_bundled("guvectorize"), args, kwargs)


def stencil(*args, **kwargs):
    """``numba.stencil``: refuses to run (see the module docstring)."""
    return _decorator(_not_bundled("stencil"), args, kwargs)


def prange(*args):
    """``numba.prange``: plain ``range``."""
    return range(*args)
