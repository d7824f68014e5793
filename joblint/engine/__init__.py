"""The driver: discover the files, prefilter them, run parse, frontends, index and rules
in order (``linter.Linter``), select rules, honour ``# noqa``, and replay cached runs.
"""
