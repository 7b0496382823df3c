"""Entry point of both bundled programs: ``eqvisit`` (windowed) and ``eqvisit-cli`` (console)."""

import sys

from eqvisit.cli import main

if __name__ == "__main__":
    sys.exit(main())
