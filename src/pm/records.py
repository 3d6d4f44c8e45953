"""Plain data classes without ``dataclasses``: ``@datarecord`` and ``@datarecord(frozen=True)``.

Importing ``dataclasses`` imports ``inspect`` (and with it ast, dis and tokenize), and
``@dataclass`` runs several ``exec`` calls and much bookkeeping per class: for the twenty
classes a ``pm list`` defines that was more than a third of its start-up, more than
Python's own start. pm's data classes use a small part of it: fields with a default or a
``default_factory``, ``==``, ``repr``, ``frozen``, one level of inheritance, and
``replace``. ``datarecord`` generates exactly those methods, the way ``dataclasses`` writes
them (so instances are built as fast), in one ``exec`` per class:

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

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

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
    names = [name for name, _, _ in specs]
    scope: dict[str, Any] = {"MISSING": MISSING, "_set": object.__setattr__, "_cls": cls}
    scope["FrozenInstanceError"] = FrozenInstanceError
    source = [_init(specs, frozen, scope), _repr(names), _eq(names)]
    # A hash of its own: defined in the class, and not the None that defining __eq__ sets.
    explicit_hash = "__hash__" in cls.__dict__ and not (
        cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__
    )
    if frozen:
        source.append(_frozen(names))
    exec("\n".join(source), scope)  # noqa: S102 - source built here from field names
    methods = ["__init__", "__repr__", "__eq__"]
    if frozen:
        methods += ["__setattr__", "__delattr__"]
    for method in methods:
        if method not in cls.__dict__:
            _attach(cls, method, scope[method])
    if frozen and not explicit_hash:
        _attach(cls, "__hash__", scope["__hash__"])
    elif not frozen and not explicit_hash:
        cls.__hash__ = None  # type: ignore[assignment]  # mutable and comparable: unhashable
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", tuple(names))  # noqa: B010 - not declared on type
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


def _init(specs: tuple[tuple[str, Any, Any], ...], frozen: bool, scope: dict[str, Any]) -> str:
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
    return f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass")


def _repr(names: list[str]) -> str:
    inner = ", ".join(f"{name}={{self.{name}!r}}" for name in names)
    return f'def __repr__(self):\n    return self.__class__.__qualname__ + f"({inner})"'


def _eq(names: list[str]) -> str:
    mine = "".join(f"self.{name}," for name in names)
    theirs = "".join(f"other.{name}," for name in names)
    return (
        "def __eq__(self, other):\n"
        "    if other.__class__ is self.__class__:\n"
        f"        return ({mine}) == ({theirs})\n"
        "    return NotImplemented"
    )


def _frozen(names: list[str]) -> str:
    fields = repr(frozenset(names))
    return (
        "def __setattr__(self, name, value):\n"
        f"    if type(self) is _cls or name in {fields}:\n"
        "        raise FrozenInstanceError(f'cannot assign to field {name!r}')\n"
        "    super(_cls, self).__setattr__(name, value)\n"
        "def __delattr__(self, name):\n"
        f"    if type(self) is _cls or name in {fields}:\n"
        "        raise FrozenInstanceError(f'cannot delete field {name!r}')\n"
        "    super(_cls, self).__delattr__(name)\n"
        "def __hash__(self):\n"
        f"    return hash(({''.join(f'self.{n},' for n in names)}))"
    )
