"""Small numeric helpers of the hot path, and the rule that a number field of summitry's files takes only numbers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

try:
    from numpy._core.umath import clip as _clip_ufunc  # type: ignore[attr-defined]
except ImportError:  # numpy < 2
    from numpy.core.umath import clip as _clip_ufunc  # type: ignore[no-redef]


def clip(x: Any, lo: Any, hi: Any, out: Any = None) -> Any:
    """``np.clip(x, lo, hi)``: the same ufunc, without the Python wrapper ``np.clip`` goes through.

    The wrapper costs about two microseconds a call, and a step makes dozens
    of calls on arrays of a few elements.

    >>> import numpy as np
    >>> clip(np.array([-1.0, 0.5, 2.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    if out is None:
        return _clip_ufunc(x, lo, hi)
    return _clip_ufunc(x, lo, hi, out=out)


_NUMBERS = (int, float)


def _union(annotation: Any) -> bool:
    return type(annotation).__name__ in ("UnionType", "_UnionGenericAlias")


def _numeric(annotation: Any) -> bool:
    """Whether a field annotation asks for a number (int, float, or a union of them with None)."""
    if annotation in _NUMBERS:
        return True
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return _union(annotation) and bool(args) and all(_numeric(a) for a in args)


def non_number(annotation: Any, value: Any) -> str | None:
    """Why ``value`` is no number for a field annotated ``annotation`` (None when it is, or the field takes no number).

    A boolean or a text where a number goes is a slip, not a number: read as
    one it would become 1, 0 or whatever the text says, silently. Containers
    of numbers (tuples, lists, mappings) are checked item by item.

    >>> non_number(float, True), non_number(int | None, "3"), non_number(float, 2), non_number(tuple[float, float], [0.1, False])
    ('must be a number, not true', "must be a number, not the text '3' (write it without quotes)", None, 'must be a number, not false')
    >>> non_number(dict[str, float], {"d": "x"}), non_number(str, True), non_number(list[float] | None, [1, "2"])
    ("must be a number, not the text 'x'", None, "must be a number, not the text '2' (write it without quotes)")
    """
    if _numeric(annotation):
        if isinstance(value, bool):
            return f"must be a number, not {str(value).lower()}"
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return f"must be a number, not the text {value!r}"
            return f"must be a number, not the text {value!r} (write it without quotes)"
        return None
    origin = getattr(annotation, "__origin__", None)
    args: tuple[Any, ...] = tuple(getattr(annotation, "__args__", ()))
    if _union(annotation):  # a container or None (list[float] | None): the container's items
        for arg in args:
            if getattr(arg, "__origin__", None) in (list, tuple, dict):
                problem = non_number(arg, value)
                if problem:
                    return problem
        return None
    if origin in (tuple, list) and isinstance(value, (list, tuple)) and args:
        items = args[:1] * len(value) if origin is list or (len(args) == 2 and args[1] is Ellipsis) else args
        for item, v in zip(items, value, strict=False):
            problem = non_number(item, v)
            if problem:
                return problem
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        for v in value.values():
            problem = non_number(args[1], v)
            if problem:
                return problem
    return None


class NumbersOnly(BaseModel):
    """A pydantic model whose number fields refuse booleans and texts (:func:`non_number`), at the field's place."""

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # which fields take numbers is worked out once per class and field: a 10,000-actor scenario validates
        # hundreds of thousands of fields, most of them no number
        key = (cls, info.field_name or "")
        annotation = _NUMBER_FIELDS.get(key, _UNSEEN)
        if annotation is _UNSEEN:
            field = cls.model_fields.get(key[1])
            annotation = field.annotation if field is not None and _takes_numbers(field.annotation) else None
            _NUMBER_FIELDS[key] = annotation
        if annotation is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            return value
        problem = non_number(annotation, value)
        if problem:
            raise ValueError(problem)
        return value


_UNSEEN = object()
_NUMBER_FIELDS: dict[tuple[type, str], Any] = {}


def _takes_numbers(annotation: Any) -> bool:
    """Whether :func:`non_number` can refuse anything for a field so annotated (a number, or numbers inside it)."""
    if _numeric(annotation):
        return True
    return any(_takes_numbers(a) for a in getattr(annotation, "__args__", ()) if a is not Ellipsis)
