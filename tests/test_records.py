"""``pm.records``: ``@datarecord`` behaves as ``@dataclass`` does for what pm uses (fields
with defaults and factories, ==, repr, frozen, hash, inheritance, replace), checked side by
side against ``dataclasses`` itself on the same class bodies."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import typing
from datetime import date
from typing import Any

import pytest

from pm import records
from pm.model import ActionItem, Postmortem
from pm.records import FrozenInstanceError, datarecord, field

BODY = '''
class Item:
    """An item."""

    number: int
    text: str = "untitled"
    tags: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"#{self.number} {self.text}"
'''


def both(frozen: bool) -> tuple[Any, Any]:
    """The class of ``BODY`` made by ``dataclasses`` and by ``records``."""
    made = []
    for decorate, make_field in (
        (dataclasses.dataclass(frozen=frozen), dataclasses.field),
        (datarecord(frozen=frozen), field),
    ):
        scope: dict[str, Any] = {"field": make_field, "__name__": __name__}
        exec(BODY, scope)  # the same class body for both
        made.append(decorate(scope["Item"]))
    return made[0], made[1]


def behaviour(cls: Any) -> list[object]:
    """What a caller can see of a data class: construction, repr, ==, hash, defaults."""
    a, b = cls(1), cls(1, "b", ["x"])
    seen: list[object] = [repr(a), repr(b), repr(cls(number=2, tags=[]))]
    seen += [a == cls(1), a == b, a != b, a.__eq__(1), a.label(), cls.__match_args__]
    seen += [cls.text, hasattr(cls, "tags"), cls(1).tags is not cls(1).tags]
    try:
        seen.append(hash(cls(1, "a", ())) == hash(cls(1, "a", ())))
    except TypeError as error:
        seen.append(str(error))
    for bad in ((), (1, 2, 3, 4), ("x",)):
        try:
            cls(*bad) if bad != ("x",) else cls(numbr=1)
        except TypeError as error:
            seen.append(str(error).split(".", 1)[-1])
    return seen


@pytest.mark.parametrize("frozen", [False, True], ids=["mutable", "frozen"])
def test_a_record_behaves_as_the_dataclass(frozen: bool) -> None:
    dataclass_made, record_made = both(frozen)
    assert behaviour(record_made) == behaviour(dataclass_made)


@pytest.mark.parametrize("frozen", [False, True], ids=["mutable", "frozen"])
def test_assigning_a_field(frozen: bool) -> None:
    for cls in both(frozen):
        item = cls(1)
        if frozen:
            with pytest.raises(AttributeError, match="cannot assign to field 'text'"):
                item.text = "changed"
            with pytest.raises(AttributeError, match="cannot assign to field 'other'"):
                item.other = 1
            with pytest.raises(AttributeError, match="cannot delete field 'text'"):
                del item.text
        else:
            item.text = "changed"
            assert item.text == "changed"
    with pytest.raises(FrozenInstanceError):
        both(True)[1](1).number = 2


def test_inherited_fields_come_first() -> None:
    @datarecord
    class Base:
        path: str
        size: int = 0

    @datarecord
    class Child(Base):
        body: str = ""

    child = Child("a.md", 3, "text")
    assert records.fields(Child) == ("path", "size", "body")
    assert (
        repr(child)
        == "test_inherited_fields_come_first.<locals>.Child(path='a.md', size=3, body='text')"
    )
    assert child != Base("a.md", 3)
    assert Child("a.md") == Child(path="a.md", size=0, body="")


def test_a_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default argument 'late'"):

        @datarecord
        class Broken:
            early: int = 0
            late: int  # type: ignore[misc]


def test_a_method_of_its_own_is_kept() -> None:
    @datarecord
    class Shown:
        value: int

        def __repr__(self) -> str:
            return "shown"

    assert repr(Shown(1)) == "shown"
    assert Shown(1) == Shown(1)


def test_replace_astuple_and_fields() -> None:
    item = ActionItem(1, "Add a limit", "bob", "P1", due=date(2024, 2, 1))
    changed = records.replace(item, number=2, text="Raise the limit")
    assert (changed.number, changed.text, changed.owner) == (2, "Raise the limit", "bob")
    assert changed.extra == item.extra and changed.extra is item.extra  # as dataclasses.replace
    assert (item.number, item.text) == (1, "Add a limit")
    assert records.astuple(item)[:4] == (1, "Add a limit", "bob", "P1")
    assert records.fields(item)[:3] == ("number", "text", "owner")
    with pytest.raises(TypeError, match="no field 'colour'"):
        records.replace(item, colour="red")
    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=int)


def test_model_objects_copy_and_pickle() -> None:
    postmortem = Postmortem("2024-01-15-db", "DB pool exhausted", "SEV-1", services=["db"])
    for twin in (
        copy.copy(postmortem),
        copy.deepcopy(postmortem),
        pickle.loads(pickle.dumps(postmortem)),
    ):
        assert twin == postmortem
        assert twin is not postmortem
    assert Postmortem("a", "b", "c").services is not Postmortem("a", "b", "c").services
    with pytest.raises(TypeError, match="unhashable"):
        hash(postmortem)


# --- named tuples ----------------------------------------------------------------------------

TUPLE_BODY = '''
from __future__ import annotations

class Spec(NamedTuple):
    """A spec."""

    name: str
    many: bool = False
    extra: dict[str, int] | None = None

    @property
    def shown(self) -> str:
        return f"{self.name}{'...' if self.many else ''}"

    def renamed(self, name: str) -> Spec:
        return self._replace(name=name)
'''


def tuple_both() -> list[Any]:
    """``TUPLE_BODY``'s class made by ``typing.NamedTuple`` and by ``pm.records``."""
    made = []
    for base in (typing.NamedTuple, records.NamedTuple):
        scope: dict[str, Any] = {"NamedTuple": base, "__name__": __name__}
        exec(TUPLE_BODY, scope)  # the same class body for both
        made.append(scope["Spec"])
    return made


def tuple_behaviour(cls: Any) -> list[object]:
    a, b = cls("x"), cls("y", True, {"k": 1})
    seen: list[object] = [
        repr(a),
        repr(b),
        a == ("x", False, None),
        tuple(b),
        b.shown,
        a.renamed("z"),
    ]
    seen += [cls._fields, cls._field_defaults, cls.__doc__, cls.__name__, cls.__qualname__]
    seen += [isinstance(a, tuple), hash(a) == hash(("x", False, None)), b._asdict(), a[0]]
    seen += [cls.__module__, list(cls.__annotations__), cls._make(["m", True, None])]
    name, many, extra = b
    seen += [name, many, extra]
    for bad in ((), ("a", 1, 2, 3)):
        try:
            cls(*bad)
        except TypeError as error:
            seen.append(str(error))
    return seen


def test_a_named_tuple_behaves_as_typings() -> None:
    typed, ours = tuple_both()
    assert tuple_behaviour(ours) == tuple_behaviour(typed)
    assert ours("x") == typed("x")  # both are plain tuples underneath


def test_a_named_tuple_refuses_what_typings_refuses() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field late cannot follow"):

        class Late(records.NamedTuple):
            early: int = 0
            late: int  # type: ignore[misc]

    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _make"):

        class Overwrites(records.NamedTuple):
            value: int

            def _make(self) -> None:  # type: ignore[misc]
                pass


def test_pm_named_tuples_pickle() -> None:
    from pm.cli.fast import Param

    param = Param("severity", required=True)
    assert pickle.loads(pickle.dumps(param)) == param
    assert param._replace(many=True) == ("severity", "str", True, True)
