"""Words in identifiers: CamelCase split the way people read it, and Rails' ``underscore``
(so the module name joblint expects is the one a Rails developer would expect)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_ACRONYM_BOUNDARY = re.compile(r"([A-Z\d]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z\d])([A-Z])")


def camel_words(name: str) -> list[str]:
    """``SyncCRMContactsJob`` -> ``["Sync", "CRM", "Contacts", "Job"]``."""
    return _CAMEL_WORD.findall(name)


def snake_case(name: str) -> str:
    """``SyncCRMContactsJob`` -> ``sync_crm_contacts_job`` (ActiveSupport's underscore)."""
    return _WORD_BOUNDARY.sub(r"\1_\2", _ACRONYM_BOUNDARY.sub(r"\1_\2", name)).lower()


@lru_cache(maxsize=1)
def builtin_verbs() -> frozenset[str]:
    """The curated verb list shipped in ``joblint/data/verbs.txt``."""
    text = resources.files("joblint").joinpath("data/verbs.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
