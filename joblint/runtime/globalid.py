"""The global-id protocol: how a record travels as a reference instead of as its data.

A record passed to ``perform_later`` is stored as ``gid://<app>/<Model>/<id>`` and looked up
again just before ``perform``, so the job sees the record as it is when the job runs, not a
stale copy from when it was enqueued (ActiveJob's GlobalID). An object takes part by
having a ``to_global_id()`` method returning such a string; a locator registered for the
model name finds it again. ``Record`` is a small base that does both for classes with an
``id`` and a ``find`` classmethod.

Locators live in a ``LocatorRegistry`` value; ``default_locators`` is the one registry the
serializer uses unless given another, configured explicitly by ``register_locator``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from joblint.runtime.errors import DeserializationError

GID_SCHEME = "gid://"
DEFAULT_APP = "joblint"

Locator = Callable[[str], object | None]


@runtime_checkable
class GlobalIdentifiable(Protocol):
    def to_global_id(self) -> str: ...


@dataclass(frozen=True)
class GlobalID:
    app: str
    model: str
    record_id: str

    @classmethod
    def parse(cls, text: str) -> GlobalID:
        if not text.startswith(GID_SCHEME):
            raise ValueError(f"not a global id: {text!r}")
        parts = text[len(GID_SCHEME) :].split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"not a global id: {text!r}")
        return cls(app=parts[0], model=parts[1], record_id=parts[2])

    def __str__(self) -> str:
        return f"{GID_SCHEME}{self.app}/{self.model}/{self.record_id}"


class LocatorRegistry:
    """Model name -> function finding a record by id (returning None when it is gone)."""

    def __init__(self) -> None:
        self._locators: dict[str, Locator] = {}

    def register(self, model: str, locator: Locator) -> None:
        self._locators[model] = locator

    def unregister(self, model: str) -> None:
        self._locators.pop(model, None)

    def locate(self, global_id: str) -> object:
        try:
            gid = GlobalID.parse(global_id)
        except ValueError as error:
            raise DeserializationError(str(error)) from error
        locator = self._locators.get(gid.model)
        if locator is None:
            raise DeserializationError(
                f"no locator registered for {gid.model} (needed to load {gid})"
            )
        try:
            record = locator(gid.record_id)
        except LookupError as error:
            raise DeserializationError(f"{gid} is gone: {error}") from error
        if record is None:
            raise DeserializationError(f"{gid} is gone")
        return record


default_locators = LocatorRegistry()


def register_locator(model: str, locator: Locator) -> None:
    """Teach the default registry how to find records of ``model`` again."""
    default_locators.register(model, locator)


class Record:
    """A base for records that serialize by reference: subclasses define ``id`` and ``find``.

    Subclasses register themselves with ``default_locators`` under their class name, so a
    job argument of this type needs no further setup.
    """

    id: Any
    global_id_app: ClassVar[str] = DEFAULT_APP

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        default_locators.register(cls.__name__, cls.find)

    @classmethod
    def find(cls, record_id: str) -> Self | None:
        raise NotImplementedError(f"{cls.__name__}.find is needed to locate records")

    def to_global_id(self) -> str:
        return str(GlobalID(self.global_id_app, type(self).__name__, str(self.id)))
