"""Finding job classes again from their names: ``module:QualName`` recorded at enqueue, and the
names written in ``config/recurring.yml``.

A recurring entry's ``class`` is either a dotted import path (``shop.jobs.ExportJob``) or a
name resolved by the naming convention under the job packages: ``users.CleanupInactiveJob``
is ``CleanupInactiveJob`` in ``jobs/users/cleanup_inactive_job.py`` (module
``jobs.users.cleanup_inactive_job``). The convention is tried first, then the import path.
``candidate_locations`` is pure so the linter can check a name without importing anything.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence

from joblint.runtime.errors import JobClassNotFoundError

DEFAULT_JOB_PACKAGES = ("jobs",)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(class_name: str) -> str:
    """``CleanupInactiveJob`` -> ``cleanup_inactive_job``; ``HTTPPingJob`` -> ``http_ping_job``."""
    return _CAMEL_BOUNDARY.sub("_", class_name).lower()


def candidate_locations(
    name: str, job_packages: Sequence[str] = DEFAULT_JOB_PACKAGES
) -> list[tuple[str, str]]:
    """(module, qualified class name) pairs where ``name`` may live, in the order tried."""
    parts = name.strip().split(".")
    if not all(parts):
        return []
    class_name = parts[-1]
    namespace = parts[:-1]
    candidates = [
        (".".join([package, *namespace, snake_case(class_name)]), class_name)
        for package in job_packages
    ]
    if namespace:
        candidates.append((".".join(namespace), class_name))
    return candidates


def load_class_path(path: str) -> type:
    """The class recorded at enqueue as ``module:QualName``."""
    module_name, _, qualname = path.partition(":")
    if not module_name or not qualname:
        raise JobClassNotFoundError(f"{path!r} is not a job class path (module:ClassName)")
    found = _import_attribute(module_name, qualname)
    if found is None:
        raise JobClassNotFoundError(f"cannot import job class {qualname} from {module_name}")
    return found


def resolve_job_class(name: str, job_packages: Sequence[str] = DEFAULT_JOB_PACKAGES) -> type:
    """The job class a recurring entry names, by convention or by import path."""
    for module_name, qualname in candidate_locations(name, job_packages):
        found = _import_attribute(module_name, qualname)
        if found is not None:
            return found
    tried = ", ".join(f"{m}.{q}" for m, q in candidate_locations(name, job_packages))
    raise JobClassNotFoundError(f"job class {name!r} not found (tried {tried or 'nothing'})")


def _import_attribute(module_name: str, qualname: str) -> type | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        # Only a missing module at the path we asked for means "not here"; a missing import
        # inside an existing module is the user's bug and should surface.
        if error.name is not None and (
            module_name == error.name or module_name.startswith(error.name + ".")
        ):
            return None
        raise
    found: object = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found if isinstance(found, type) else None
