"""Building blocks shared by the scenario specs: the base spec, quantities, field problems."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema

from mfcsim.units import to_base


class FieldProblem(ValueError):
    """A value error that knows the path of the field it is about (relative to the model)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def quantity(target: str) -> Any:
    """An annotated float that accepts a number in ``target`` or a quantity string."""
    return BeforeValidator(lambda value: to_base(value, target), json_schema_input_type=float | str)


#: JSON Schema of a field that takes a number or a quantity string (converted by a validator).
QUANTITY_JSON = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "description": "e.g. '12 t' or '3 EUR/t'"}]}
)


class Spec(BaseModel):
    """Base of every spec: unknown fields are errors, numbers finite, specs immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def convert(value: Any, target: str, path: tuple[str | int, ...]) -> float:
    """Convert ``value`` to ``target`` or raise a FieldProblem at ``path``."""
    try:
        return to_base(value, target)
    except ValueError as exc:
        raise FieldProblem(path, str(exc)) from None
