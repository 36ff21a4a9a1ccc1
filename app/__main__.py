"""``python -m app`` opens the Segue window."""

import sys

from app.launcher import open_window

if __name__ == "__main__":  # spawn-based worker processes (the library scanner) re-import this
    sys.exit(open_window(sys.argv[1:]))
