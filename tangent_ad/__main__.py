"""``python -m tangent_ad``: the command line (see teaching/cli.py)."""
import sys

from .teaching.cli import main

if __name__ == "__main__":
    sys.exit(main())
