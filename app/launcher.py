"""The ``segue`` console script: the engine's command line, with the window as its ``gui``.

``engine.cli`` never imports ``app``; this launcher gives it the window's entry point, imported
only when the window is asked for, so ``segue --version`` and the other commands stay fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def open_window(argv: list[str]) -> int:
    """Open the main window (imports Qt now); exit 2 on a Qt build that would abort it."""
    from app.qt_check import toolkit_fault

    fault = toolkit_fault()
    if fault:
        print(f"segue: error: {fault}", file=sys.stderr)
        return 2
    from app.main import main as gui_main

    return gui_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``segue`` (``segue`` alone or ``segue gui`` opens the window)."""
    from engine.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv, gui=open_window)


if __name__ == "__main__":
    sys.exit(main())
