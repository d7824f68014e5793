"""Allow ``python -m joblint``."""

from joblint.cli import run

if __name__ == "__main__":
    run()
