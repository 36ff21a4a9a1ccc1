"""``python -m app`` opens the Segue window."""

import sys

from app.main import main

if __name__ == "__main__":  # spawn-based worker processes (the library scanner) re-import this
    sys.exit(main(sys.argv[1:]))
