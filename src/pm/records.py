"""Plain data classes without ``dataclasses``: ``@datarecord`` and ``@datarecord(frozen=True)``.

Importing ``dataclasses`` imports ``inspect`` (and with it ast, dis and tokenize), and
``@dataclass`` runs several ``exec`` calls and much bookkeeping per class: for the twenty
classes a ``pm list`` defines that was more than a third of its start-up, more than
Python's own start. pm's data classes use a small part of it: fields with a default or a
``default_factory``, ``==``, ``repr``, ``frozen``, one level of inheritance, and
``replace``. ``datarecord`` gives exactly those methods; only ``__init__`` is compiled, as
``dataclasses`` writes it (instances are built as fast), one ``exec`` per class:

- ``__init__(self, <fields in order>)``, defaults and factories as in ``dataclasses``;
- ``__repr__``: ``Name(a=1, b='x')``; ``__eq__``: same class and equal fields, else
  ``NotImplemented``; ``__match_args__``;
- ``frozen=True``: assigning or deleting a field raises ``FrozenInstanceError`` (an
  ``AttributeError``) and instances hash by their fields; otherwise ``__hash__`` is None,
  as for an ``eq`` dataclass;
- a method the class defines itself is kept.

Type checkers read ``datarecord`` as ``dataclass`` (PEP 681, ``dataclass_transform``).
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class _Missing:
    """No default given."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """A field's default or default factory, as ``field()`` declares them."""

    __slots__ = ("default", "default_factory")

    def __init__(self, default: Any, default_factory: Any) -> None:
        self.default = default
        self.default_factory = default_factory


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] = MISSING) -> Any:
    """A field with a default, or a factory called for each new instance (a list, a dict)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory)


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen record."""


@overload
def datarecord(cls: type[_T], /) -> type[_T]: ...


@overload
def datarecord(*, frozen: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(field,))
def datarecord(cls: type[_T] | None = None, /, *, frozen: bool = False) -> Any:
    """Make ``cls`` a data class: see the module's docstring."""

    def wrap(cls: type[_T]) -> type[_T]:
        return _process(cls, frozen)

    return wrap if cls is None else wrap(cls)


def fields(cls_or_instance: Any) -> tuple[str, ...]:
    """The names of a record's fields, in order."""
    return tuple(name for name, _, _ in cls_or_instance.__record_fields__)


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of the record ``obj`` with ``changes`` (``dataclasses.replace``)."""
    values = {}
    for name in fields(obj):
        values[name] = changes.pop(name) if name in changes else getattr(obj, name)
    if changes:
        raise TypeError(f"{type(obj).__name__} has no field {next(iter(changes))!r}")
    return type(obj)(**values)


def astuple(obj: Any) -> tuple[Any, ...]:
    """The values of a record's fields, in order (not copied: for keys and comparison)."""
    return tuple(getattr(obj, name) for name in fields(obj))


def _process(cls: type[_T], frozen: bool) -> type[_T]:
    specs = _fields_of(cls)
    cls.__record_fields__ = specs  # type: ignore[attr-defined]
    names = tuple(name for name, _, _ in specs)
    values = _values(names)
    # A hash of its own: defined in the class, and not the None that defining __eq__ sets.
    explicit_hash = "__hash__" in cls.__dict__ and not (
        cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__
    )
    methods = {
        "__init__": _init(specs, frozen),
        "__repr__": _repr(names, values),
        "__eq__": _eq(values),
    }
    if frozen:
        methods.update(_frozen(cls, frozenset(names)))
    for name, method in methods.items():
        if name not in cls.__dict__:
            _attach(cls, name, method)
    if frozen and not explicit_hash:
        _attach(cls, "__hash__", _hash(values))
    elif not frozen and not explicit_hash:
        cls.__hash__ = None  # type: ignore[assignment]  # mutable and comparable: unhashable
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", names)  # noqa: B010 - not declared on type
    return cls


def _fields_of(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """(name, default, factory) of every field: the bases' first, then the class's own."""
    inherited: list[tuple[str, Any, Any]] = []
    for base in reversed(cls.__mro__[1:]):
        inherited = [*inherited, *base.__dict__.get("__record_fields__", ())]
    found = {name: (name, default, factory) for name, default, factory in inherited}
    # (not inspect.get_annotations: importing inspect is what this module avoids)
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    for name, annotation in own.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        default = cls.__dict__.get(name, MISSING)
        factory = MISSING
        if isinstance(default, Field):
            default, factory = default.default, default.default_factory
            if default is MISSING:
                delattr(cls, name)  # as dataclasses: a factory leaves no class attribute
            else:
                setattr(cls, name, default)
        found[name] = (name, default, factory)
    return tuple(found.values())


def _attach(cls: type, name: str, function: Any) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    setattr(cls, name, function)


def _init(specs: tuple[tuple[str, Any, Any], ...], frozen: bool) -> Any:
    """``__init__``, the one method compiled (as ``dataclasses`` writes it): building
    instances is what bulk reads do thousands of times."""
    scope: dict[str, Any] = {"MISSING": MISSING, "_set": object.__setattr__}
    params, body = ["self"], []
    seen_default = False
    for name, default, factory in specs:
        if default is not MISSING:
            scope[f"_default_{name}"] = default
            params.append(f"{name}=_default_{name}")
            value = name
        elif factory is not MISSING:
            scope[f"_factory_{name}"] = factory
            params.append(f"{name}=MISSING")
            value = f"_factory_{name}() if {name} is MISSING else {name}"
        else:
            if seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            value = name
        seen_default = seen_default or default is not MISSING or factory is not MISSING
        assign = f"    _set(self, {name!r}, {value})" if frozen else f"    self.{name} = {value}"
        body.append(assign)
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    exec(source, scope)  # noqa: S102 - source built here from field names
    return scope["__init__"]


# The other methods are closures over the field names, not compiled source: compiling is
# most of the cost of defining a class, and ``attrgetter`` reads the fields in C.


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields' values of an instance as a tuple (also for one field)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    if not names:
        return lambda obj: ()
    return attrgetter(*names)


def _repr(names: tuple[str, ...], values: Callable[[Any], tuple[Any, ...]]) -> Any:
    def __repr__(self: Any) -> str:
        inner = ", ".join(
            f"{name}={value!r}" for name, value in zip(names, values(self), strict=True)
        )
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _eq(values: Callable[[Any], tuple[Any, ...]]) -> Any:
    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], tuple[Any, ...]]) -> Any:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen(cls: Any, names: frozenset[str]) -> dict[str, Any]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}


# --- named tuples ------------------------------------------------------------------------

# ``typing.NamedTuple`` turns every field's annotation into a ``ForwardRef``, compiling it,
# when annotations are strings (``from __future__ import annotations``, as in every pm
# module): a third of a millisecond per field, for some sixty fields at each start. pm's
# named tuples are the same ``collections.namedtuple`` classes, built from the class body
# without evaluating the annotations. Type checkers see ``typing.NamedTuple``.


class _TupleMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if ns.get("_root"):
            return super().__new__(mcs, name, bases, ns)
        annotations = ns.get("__annotations__", {})
        fields = list(annotations)
        defaults = []
        for field_name in fields:
            if field_name in ns:
                defaults.append(ns[field_name])
            elif defaults:
                raise TypeError(
                    f"Non-default namedtuple field {field_name} cannot follow default field"
                )
        made = _namedtuple(name, fields, defaults=defaults, module=ns["__module__"])
        made.__annotations__ = dict(annotations)
        for key, value in ns.items():
            if key in _PROHIBITED:
                raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
            if key not in _SPECIAL and key not in made._fields:
                setattr(made, key, value)
        return made


_PROHIBITED = frozenset(
    {"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults"}
    | {"_make", "_replace", "_asdict", "_source"}
)
_namedtuple: Any = collections.namedtuple
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple  # noqa: PLC0414 - re-exported
else:

    class NamedTuple(metaclass=_TupleMeta):
        """Base of pm's named tuples: ``class Spec(NamedTuple): ...`` as with typing's."""

        _root = True
