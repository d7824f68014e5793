"""joblint's fixes as libcst codemods: ``python -m libcst.tool codemod --no-format -x
joblint.codemods.<Name> PATHS`` (see ``joblint.codemods.command``), one per fix, made from
the fixable rules in ``joblint.codemods.fixes``, and ``AllFixes``."""

from joblint.codemods import command, fixes
from joblint.codemods.fixes import AllFixes

globals().update(fixes.COMMANDS)

__all__ = ["AllFixes", *fixes.COMMANDS]


def __getattr__(name: str) -> type[command.JoblintFix]:
    """Only for a name that is no codemod; tells type checkers what the made ones are."""
    raise AttributeError(f"module {__name__!r} has no codemod {name!r}")
