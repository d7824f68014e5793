"""Frontend for arq: being written (issue 4). Recognises nothing yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from joblint.index import ProjectIndex
    from joblint.model import EnqueueSite, JobDefinition
    from joblint.parsing import ParsedModule

FRAMEWORK = "arq"
NEEDLES: tuple[bytes, ...] = ()


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    return ()


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    return []


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    return []
