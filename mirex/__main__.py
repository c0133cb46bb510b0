"""``python -m mirex``: the command-line interface."""
import sys

from mirex.cli import main

sys.exit(main())
