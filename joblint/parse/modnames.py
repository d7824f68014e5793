"""Dotted module names from file paths, the way the interpreter would import them.

A file's module name is found by walking up through directories that hold an
``__init__.py``: ``shop/jobs/process_payment_job.py`` under a package ``shop`` is
``shop.jobs.process_payment_job``, wherever the checkout lives. A folder with no
``__init__.py`` inside a package is part of the name too (Python imports it as a namespace
package). Top-level namespace packages make the name shorter than the import path a
project uses; the index makes up for that by matching qualified names on a dotted suffix.

The outermost folder's name is only where the checkout happens to lie, though: a copy
(``shopcopy/``), a clone into ``shop-main/``, a folder a container mounts as ``/srv/app``
or an install that maps the folder to its name. What the package is imported by is written
in its own modules: ``from shop.models import Order`` inside ``shopcopy/``, naming modules
that ``shopcopy/`` holds, says it is imported as ``shop``. Taking that name (rather than
matching names loosely later) keeps one name per module for everything downstream: base
classes resolve, recurring tasks and settings name the project's modules, and a fix
imports what a worker imports. See ``imported_names``.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from joblint.parse.source import SourceFile


def module_name_for(path: Path, imported_as: Mapping[Path, str] | None = None) -> tuple[str, str]:
    """Return ``(module name, package name)`` for a Python file. ``imported_as`` maps
    package roots (``package_root``) to the name their modules import them by, where that
    is not the folder's name (``imported_names``)."""
    path = _real_path(path)
    renamed = imported_as or {}
    parts: list[str] = []
    is_package_init = path.name == "__init__.py"
    if not is_package_init:
        parts.append(path.stem)
    directory = path.parent
    while True:
        name = renamed.get(directory)
        if name is not None:
            parts.append(name)
            break
        if not (_is_package(directory) or _is_namespace_portion(directory)):
            break
        parts.append(directory.name)
        directory = directory.parent
    if not parts:  # an __init__.py outside any package is its directory's module
        parts.append(path.parent.name)
    parts.reverse()
    name = ".".join(parts)
    package = name if is_package_init else ".".join(parts[:-1])
    return name, package


def package_root(path: Path) -> Path | None:
    """The outermost folder with an ``__init__.py`` above ``path`` (through namespace
    folders): the folder whose name is the package's top-level name, unless its modules
    say otherwise. Its name need not be an identifier (``my-shop/``); None outside any
    package."""
    return _root_of(_real_path(path).parent)


@lru_cache(maxsize=4096)
def _root_of(directory: Path) -> Path | None:
    if not (_has_init(directory) or _is_namespace_portion(directory)):
        return None
    above = _root_of(directory.parent) if directory.parent != directory else None
    return above or (directory if _has_init(directory) else None)


def imported_names(sources: Iterable[SourceFile], project_root: Path) -> dict[Path, str]:
    """The package roots among ``sources`` that their own modules import by a name other
    than the folder's, with that name.

    A root keeps its folder's name when any of its modules imports it by that name. Another
    name ``shop`` is taken only when every absolute import of ``shop.…`` in the root's
    modules names a module the root holds (``shop.jobs.application_job`` is
    ``<root>/jobs/application_job.py``), none of them a module importing itself, at least
    two of the root's modules are imported that way, and no other name qualifies. A name
    Python would find elsewhere is never taken: a standard library module, or a package or
    module beside the root inside the project (a Django app importing ``core.models`` from
    its sibling app ``core`` is not named ``core`` because it has a ``models.py`` too). A
    library mirrored so closely is rarer than a renamed checkout, and a module importing a
    library's module of its own name (``from wagtail.models import Page`` in
    ``models.py``) rules the library out.

    Imports are read line by line from the bytes, as the prefilter reads, so that names
    are settled before anything is parsed; a root stops being read at its first import
    of its own name, which is the first few lines of most projects."""
    members: dict[Path, list[SourceFile]] = defaultdict(list)
    for source in sources:
        root = package_root(source.path)
        if root is not None:
            members[root].append(source)
    project_root = project_root.resolve()
    found: dict[Path, str] = {}
    for root, sources_in_root in members.items():
        name = _name_imported_by(root, sources_in_root, project_root)
        if name is not None:
            found[root] = name
    return found


# Distinct modules of the root a name must be imported for before the root takes it: one
# `from vendor.models import Order` beside a `models.py` of the project's own is a library
# of the same shape far more often than a renamed checkout.
EVIDENCE_MODULES = 2


def _name_imported_by(root: Path, sources: Sequence[SourceFile], project_root: Path) -> str | None:
    votes: dict[str, set[str]] = defaultdict(set)
    ruled_out: set[str] = set()
    for source in sources:
        for dotted in absolute_imports(source.data):
            top, _, rest = dotted.partition(".")
            if top == root.name:
                return None
            if not rest or top in ruled_out:
                continue
            if _found_elsewhere(top, root, project_root) or _imports_elsewhere(root, rest, source):
                ruled_out.add(top)
            else:
                votes[top].add(rest)
    candidates = [
        name
        for name, modules in votes.items()
        if name not in ruled_out and len(modules) >= EVIDENCE_MODULES
    ]
    return candidates[0] if len(candidates) == 1 else None


def _imports_elsewhere(root: Path, rest: str, source: SourceFile) -> bool:
    """Whether ``<name>.<rest>`` cannot be a module of ``root`` imported by ``source``:
    the root holds no such module, or it is ``source`` itself."""
    target = _module_in(root, rest.split("."))
    return target is None or target == _real_path(source.path)


def _module_in(root: Path, parts: list[str]) -> Path | None:
    """The file (or namespace folder) of the module ``parts`` below ``root``."""
    for candidate in (
        root.joinpath(*parts[:-1], parts[-1] + ".py"),
        root.joinpath(*parts, "__init__.py"),
    ):
        if candidate.is_file():
            return candidate.resolve()
    folder = root.joinpath(*parts)
    return folder.resolve() if folder.is_dir() else None


def _found_elsewhere(name: str, root: Path, project_root: Path) -> bool:
    """Whether Python would import ``name`` from somewhere other than ``root``: the
    standard library, or a package or module beside the root within the project."""
    if name in sys.stdlib_module_names:
        return True
    beside = root.parent
    if beside != project_root and project_root not in beside.parents:
        return False
    return (beside / name).is_dir() or (beside / f"{name}.py").is_file()


# `from a.b import c` and `import a.b, c as d` as a line (indented too: an import under
# `if TYPE_CHECKING:` or in a function counts). Relative imports start with a dot and are
# not matched.
_IMPORT_LINE = re.compile(
    rb"[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^#;\\]+))"
)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def absolute_imports(data: bytes) -> Iterator[str]:
    """The modules a file imports absolutely. The lines are found by the word ``import``,
    a plain search: a pattern anchored at every line's start costs a file's words' worth."""
    found = data.find(b"import")
    while found != -1:
        start = data.rfind(b"\n", 0, found) + 1
        end = data.find(b"\n", found)
        end = len(data) if end == -1 else end
        line = _IMPORT_LINE.match(data, start, end)
        if line is not None and line.group(1) is not None:
            yield line.group(1).decode("ascii")
        elif line is not None:
            for item in line.group(2).decode("ascii", errors="replace").split(","):
                words = item.split()
                if words and _DOTTED.fullmatch(words[0]):
                    yield words[0]
        found = data.find(b"import", end)


def _real_path(path: Path) -> Path:
    """``path.resolve()``, with each folder resolved once: a file's folders are most of
    the system calls, and a project has a few files per folder."""
    if path.is_symlink():
        return path.resolve()
    return _real_folder(path.parent) / path.name


@lru_cache(maxsize=4096)
def _real_folder(directory: Path) -> Path:
    return directory.resolve()


@lru_cache(maxsize=4096)
def _is_namespace_portion(directory: Path) -> bool:
    """A folder with no ``__init__.py`` inside a regular package
    (``taiga/importers/asana/``): Python imports it as ``taiga.importers.asana``."""
    return directory.name.isidentifier() and _is_package(directory.parent)


@lru_cache(maxsize=4096)
def _is_package(directory: Path) -> bool:
    return _has_init(directory) and directory.name.isidentifier()


@lru_cache(maxsize=4096)
def _has_init(directory: Path) -> bool:
    return (directory / "__init__.py").is_file()
