"""Frozen entry point of ``frmr``, the terminal client (same core, no Qt)."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
