"""Arguments round-trip through JSON exactly, or fail at enqueue naming the argument."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joblint.runtime import DeserializationError, LocatorRegistry, Record, SerializationError
from joblint.runtime.globalid import default_locators
from joblint.runtime.serialization import deserialize_arguments, serialize_arguments


def round_trip(*args: Any, locators: LocatorRegistry | None = None, **kwargs: Any) -> Any:
    stored = json.loads(json.dumps(serialize_arguments(args, kwargs)))
    return deserialize_arguments(stored, locators)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -3,
        2.5,
        "text",
        [1, [2, "x"]],
        {"a": {"b": [None]}},
        datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2024, 5, 1, 12, 30, tzinfo=ZoneInfo("Europe/Paris")),
        date(2024, 2, 29),
        timedelta(days=2, seconds=5, microseconds=7),
        Decimal("10.005"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
    ],
)
def test_values_round_trip(value: Any) -> None:
    args, kwargs = round_trip(value, named=value)
    assert args == (value,) and kwargs == {"named": value}
    assert type(args[0]) is type(value)
    if isinstance(value, datetime):
        assert args[0].tzinfo == value.tzinfo or args[0].utcoffset() == value.utcoffset()


def test_zoneinfo_is_kept() -> None:
    moment = datetime(2024, 7, 1, 9, tzinfo=ZoneInfo("America/New_York"))
    (back,), _ = round_trip(moment)
    assert back.tzinfo == ZoneInfo("America/New_York")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text().filter(lambda key: key != "__joblint__"), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_plain_json_round_trips(value: Any) -> None:
    (back,), _ = round_trip(value)
    assert back == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), "argument 1 is a object"),
        ((1, 2), "pass a list"),
        ({1, 2}, "pass a list"),
        (datetime(2024, 1, 1), "naive datetime"),
        (float("nan"), "JSON cannot store"),
        ({1: "x"}, "str keys"),
        ({"__joblint__": 1}, "reserved key"),
        ([1, object()], r"argument 1\[1\]"),
    ],
)
def test_unsupported_values_fail_naming_the_argument(value: Any, message: str) -> None:
    with pytest.raises(SerializationError, match=message):
        serialize_arguments([value], {})


class Order(Record):
    rows: ClassVar[dict[str, Order]] = {}

    def __init__(self, id: int) -> None:
        self.id = id

    @classmethod
    def find(cls, record_id: str) -> Order | None:
        return cls.rows.get(record_id)


def test_records_travel_by_reference_and_fail_when_gone() -> None:
    order = Order(42)
    Order.rows["42"] = order
    stored = json.loads(json.dumps(serialize_arguments([order], {})))
    assert stored["args"][0]["value"] == "gid://joblint/Order/42"
    assert deserialize_arguments(stored)[0][0] is order
    del Order.rows["42"]
    with pytest.raises(DeserializationError, match="gone"):
        deserialize_arguments(stored)


def test_custom_locator_registry() -> None:
    class Thing:
        def to_global_id(self) -> str:
            return "gid://shop/Thing/9"

    registry = LocatorRegistry()
    registry.register("Thing", lambda record_id: f"thing {record_id}")
    (found,), _ = round_trip(Thing(), locators=registry)
    assert found == "thing 9"
    with pytest.raises(DeserializationError, match="no locator"):
        round_trip(Thing(), locators=LocatorRegistry())
    assert "Order" in default_locators._locators
