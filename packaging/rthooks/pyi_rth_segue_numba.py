"""PyInstaller runtime hook: numba_shim stands in for numba, which the bundle leaves out.

librosa imports numba in every module to decorate helpers; none of the functions Segue calls
runs one (packaging/numba_shim.py, tests/packaging/test_numba_shim.py).
"""

import importlib.util
import sys

if "numba" not in sys.modules and importlib.util.find_spec("numba") is None:
    import numba_shim

    sys.modules["numba"] = numba_shim
