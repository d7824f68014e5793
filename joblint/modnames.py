"""Dotted module names from file paths, the way the interpreter would import them.

A file's module name is found by walking up through directories that hold an
``__init__.py``: ``shop/jobs/process_payment_job.py`` under a package ``shop`` is
``shop.jobs.process_payment_job``, wherever the checkout lives. A folder with no
``__init__.py`` inside a package is part of the name too (Python imports it as a namespace
package). Top-level namespace packages make the name shorter than the import path a
project uses; the index makes up for that by matching qualified names on a dotted suffix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def module_name_for(path: Path) -> tuple[str, str]:
    """Return ``(module name, package name)`` for a Python file."""
    path = path.resolve()
    parts: list[str] = []
    is_package_init = path.name == "__init__.py"
    if not is_package_init:
        parts.append(path.stem)
    directory = path.parent
    while _is_package(directory) or _is_namespace_portion(directory):
        parts.append(directory.name)
        directory = directory.parent
    if not parts:  # an __init__.py outside any package is its directory's module
        parts.append(path.parent.name)
    parts.reverse()
    name = ".".join(parts)
    package = name if is_package_init else ".".join(parts[:-1])
    return name, package


@lru_cache(maxsize=4096)
def _is_namespace_portion(directory: Path) -> bool:
    """A folder with no ``__init__.py`` inside a regular package
    (``taiga/importers/asana/``): Python imports it as ``taiga.importers.asana``."""
    return directory.name.isidentifier() and _is_package(directory.parent)


@lru_cache(maxsize=4096)
def _is_package(directory: Path) -> bool:
    return (directory / "__init__.py").is_file() and directory.name.isidentifier()
