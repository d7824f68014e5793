"""joblint: a linter for background-job code, and the small runtime its rules describe."""

__version__ = "0.1.0"

__all__ = ["__version__"]
