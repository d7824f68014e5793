"""JOB0xx: reading the code. The engine emits these while it reads, parses and scans
suppressions; the classes carry their metadata so selection, pages and listings treat them
like every other rule."""

from __future__ import annotations

from joblint.rules.base import Rule


class SyntaxError_(Rule):
    code = "JOB001"
    name = "syntax-error"
    summary = "A file that does not parse; the other files are still checked."


class UnreadableFile(Rule):
    code = "JOB002"
    name = "unreadable-file"
    summary = "A file that cannot be read or decoded (binary, bad encoding, permissions)."


class InvalidSuppression(Rule):
    code = "JOB003"
    name = "invalid-suppression"
    summary = "A `# noqa:` comment naming a JOB code that does not exist."
