#!/usr/bin/env python3
"""Build the real-recordings evaluation set (issue 23): Debian game soundtracks, effects, speech.

Downloads ``supertux-data``, ``wesnoth-1.16-music`` and ``warzone2100-music`` with
``apt-get download`` (about 400 MB), extracts only their audio, synthesises speech offline
(espeak-ng, and Festival voices where installed) and writes ``realset.json`` / ``realset.csv``
into the cache (default ``$SEGUE_HOME/cache/realset``). Rerunning keeps what is there and
verified. The audio stays in the cache: never copy it into the repository.

Usage::

    apt-get install espeak-ng festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
    .venv/bin/python scripts/fetch_real_recordings.py [--cache DIR] [--seed N] [--offline] [--no-speech]

Details: docs/library.md, "Real recordings". The same entry point is
``engine.library.evaluation.realset.main``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.library.evaluation.realset import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="fetch_real_recordings.py"))
