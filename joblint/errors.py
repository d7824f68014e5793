"""Errors the user can cause. Each carries a one-line message for the user; the CLI catches
them once, at its edge, prints the message and exits with code 2. A traceback is a bug."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage or bad configuration: exit code 2, one line on stderr."""


class ConfigError(UserError):
    """An invalid or unreadable ``[tool.joblint]`` table or config file."""
