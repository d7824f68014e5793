"""Job arguments to JSON and back, checked at enqueue time.

Only values that round-trip exactly are accepted: None, bool, int, float (finite), str,
lists, dicts with str keys, and tagged types (aware datetime, date, timedelta, Decimal, UUID).
Records implementing the global-id protocol travel as references. Anything else, including
tuples and sets (which would come back as lists) and naive datetimes (whose zone would be
guessed), is a ``SerializationError`` naming the argument, raised in the caller.

A tagged value is a one-key-plus-value dict ``{"__joblint__": tag, "value": ...}``; a user
dict containing that key is refused rather than misread on the way back.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from joblint.runtime.errors import DeserializationError, SerializationError
from joblint.runtime.globalid import LocatorRegistry, default_locators

TAG = "__joblint__"
JSONValue = Any  # None | bool | int | float | str | list[JSONValue] | dict[str, JSONValue]


def serialize_arguments(args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, JSONValue]:
    """``{"args": [...], "kwargs": {...}}``, or ``SerializationError`` naming the culprit."""
    return {
        "args": [serialize(value, f"argument {index + 1}") for index, value in enumerate(args)],
        "kwargs": {name: serialize(value, f"argument {name!r}") for name, value in kwargs.items()},
    }


def deserialize_arguments(
    data: Mapping[str, JSONValue], locators: LocatorRegistry | None = None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    registry = locators if locators is not None else default_locators
    args = tuple(deserialize(value, registry) for value in data.get("args", []))
    kwargs = {name: deserialize(value, registry) for name, value in data.get("kwargs", {}).items()}
    return args, kwargs


def serialize(value: Any, where: str) -> JSONValue:
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if not math.isfinite(value):
            raise SerializationError(f"{where} is {value!r}, which JSON cannot store")
        return value
    if kind is list:
        return [serialize(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if kind is dict:
        return _serialize_dict(value, where)
    if kind is datetime:
        return _serialize_datetime(value, where)
    if kind is date:
        return {TAG: "date", "value": value.isoformat()}
    if kind is timedelta:
        return {
            TAG: "timedelta",
            "value": [value.days, value.seconds, value.microseconds],
        }
    if kind is Decimal:
        return {TAG: "decimal", "value": str(value)}
    if kind is uuid.UUID:
        return {TAG: "uuid", "value": str(value)}
    to_global_id = getattr(value, "to_global_id", None)
    if callable(to_global_id):
        return {TAG: "gid", "value": str(to_global_id())}
    raise SerializationError(_unsupported_message(value, where))


def _unsupported_message(value: Any, where: str) -> str:
    kind = type(value)
    name = (
        f"{kind.__module__}.{kind.__qualname__}"
        if kind.__module__ != "builtins"
        else (kind.__qualname__)
    )
    hint = ""
    if kind in (tuple, set, frozenset):
        hint = "; pass a list"
    elif hasattr(value, "id") or hasattr(value, "pk"):
        hint = "; pass its id, or give it to_global_id()"
    return f"{where} is a {name}, which cannot be serialized for a job{hint}"


def _serialize_dict(value: dict[Any, Any], where: str) -> dict[str, JSONValue]:
    result: dict[str, JSONValue] = {}
    for key, item in value.items():
        if type(key) is not str:
            raise SerializationError(
                f"{where} has a {type(key).__qualname__} key {key!r}; job dicts need str keys"
            )
        if key == TAG:
            raise SerializationError(f"{where} uses the reserved key {TAG!r}")
        result[key] = serialize(item, f"{where}[{key!r}]")
    return result


def _serialize_datetime(value: datetime, where: str) -> dict[str, JSONValue]:
    if value.tzinfo is None or value.utcoffset() is None:
        raise SerializationError(
            f"{where} is a naive datetime; attach a timezone (e.g. datetime.now(UTC))"
        )
    tagged: dict[str, JSONValue] = {TAG: "datetime", "value": value.isoformat()}
    if isinstance(value.tzinfo, ZoneInfo):
        tagged["zone"] = value.tzinfo.key
    return tagged


def deserialize(value: JSONValue, locators: LocatorRegistry) -> Any:
    if isinstance(value, list):
        return [deserialize(item, locators) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {key: deserialize(item, locators) for key, item in value.items()}
    payload = value["value"]
    if tag == "datetime":
        moment = datetime.fromisoformat(payload)
        zone = value.get("zone")
        if zone is not None:
            try:
                moment = moment.astimezone(ZoneInfo(zone))
            except ZoneInfoNotFoundError as error:
                raise DeserializationError(f"unknown time zone {zone!r}") from error
        return moment
    if tag == "date":
        return date.fromisoformat(payload)
    if tag == "timedelta":
        days, seconds, microseconds = payload
        return timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if tag == "decimal":
        return Decimal(payload)
    if tag == "uuid":
        return uuid.UUID(payload)
    if tag == "gid":
        return locators.locate(payload)
    raise DeserializationError(f"unknown argument tag {tag!r}")
