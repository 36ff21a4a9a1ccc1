"""Entry point of the PyInstaller bundle: the ``segue`` command, safe for spawned worker processes."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the library scanner and MIDI player spawn child processes
    from app.launcher import main  # the engine's command line, with the window as `segue gui`

    sys.exit(main())
