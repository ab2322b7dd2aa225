"""The base of every scenario spec, the share type, and the error about one field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: A share of a whole, 0 to 1 (a mass fraction, a transfer coefficient).
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class FieldProblem(ValueError):
    """A value error that knows the path of the field it is about (relative to the model)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


class Spec(BaseModel):
    """Base of every spec: unknown fields are errors, numbers finite, specs immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
