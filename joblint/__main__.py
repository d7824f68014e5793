"""Allow ``python -m joblint``."""

import sys

from joblint.cli import main

if __name__ == "__main__":
    sys.exit(main())
