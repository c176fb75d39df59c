"""``python -m desktop.cli`` — the same as the ``frmr`` script (tests and benches run it this way)."""

import sys

from desktop.cli.main import main

sys.exit(main())
