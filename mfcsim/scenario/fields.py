"""What the scenario schema has at a field path (for ``--set`` and error messages).

Walks the :class:`~mfcsim.scenario.root.Scenario` model's annotations: a model and its
fields, a map of entities, a map of values, or something else.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from mfcsim.scenario.reader import Path_
from mfcsim.scenario.root import Scenario


def schema_kind(loc: Path_) -> tuple[str, list[str] | None]:
    """What the schema has at ``loc``.

    A model and its fields, a map of entities, a map of values, the params of a firm (with
    its type's parameter names), or something else.
    """
    if len(loc) == 3 and loc[0] == "firms" and loc[2] == "params":
        return "params", None
    annotation = _annotation_at(loc)
    if _is_model(annotation):
        return "model", sorted(annotation.model_fields)
    if get_origin(annotation) is dict:
        inner = _unwrap(get_args(annotation)[-1])
        return ("entities", []) if _is_model(inner) else ("values", None)
    return "other", None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional/Union down to a model or container type."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, UnionType):
        for arg in map(_unwrap, get_args(annotation)):
            if get_origin(arg) in (dict, list) or _is_model(arg):
                return arg
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(loc: Path_) -> Any:
    """The annotation of the field at ``loc``, walking the Scenario model (None: no field)."""
    annotation: Any = Scenario
    for part in loc:
        annotation = _unwrap(annotation)
        if _is_model(annotation):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        else:
            return None
    return _unwrap(annotation)


def accepted_fields(loc: Path_) -> list[str]:
    """The field names accepted at ``loc`` (none where no model stands there)."""
    annotation = _annotation_at(loc)
    return sorted(annotation.model_fields) if _is_model(annotation) else []
