"""Write docs/scenario-reference.md: every scenario field, from the JSON Schema (`mfcsim schema`).

``make docs`` runs it; ``--check`` exits 1 (and writes nothing) if the page is stale, which
``tests/test_docs.py`` asserts does not happen.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mfcsim.scenario.root import Scenario

PAGE = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"

HEAD = """# Scenario reference

Generated from the JSON Schema of the scenario format (`mfcsim schema`) by
`tools/scenario_reference.py` (`make docs`; `tests/test_docs.py` fails while this page is
stale). Quantities may carry units (`12 t/d`, `35 km`); a bare number is in base units
(t, MWh, m3, km, day, EUR, t CO2e). How to use the fields: [howto-scenario.md](howto-scenario.md)
and README's *Writing a scenario*. A firm type's own `params` are listed by `mfcsim types`.
"""


def type_of(schema: dict[str, Any]) -> str:
    """A short type: ``number or string``, ``{id: MaterialSpec}``, ``list of LinkSpec``, ..."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema or "oneOf" in schema:
        options = [type_of(s) for s in schema.get("anyOf", schema.get("oneOf", []))]
        return " or ".join(dict.fromkeys(o for o in options if o != "null")) + (
            " or null" if "null" in options else ""
        )
    if "enum" in schema:
        return " | ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"{{id: {type_of(schema['additionalProperties'])}}}"
    if kind == "array" and "items" in schema:
        return f"list of {type_of(schema['items'])}"
    return str(kind)


def cell(text: str) -> str:
    """Text fit for one table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(schema: dict[str, Any]) -> list[str]:
    """The fields of one object schema as a Markdown table."""
    required = set(schema.get("required", ()))
    rows = ["| field | type | default | description |", "|---|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        if name in required:
            default = "required"
        elif "default" in field:
            default = f"`{cell(repr(field['default']))}`" if field["default"] != "" else "`''`"
        else:
            default = ""
        rows.append(
            f"| `{name}` | {cell(type_of(field))} | {default} | "
            f"{cell(field.get('description', ''))} |"
        )
    return rows


def render() -> str:
    """The page."""
    schema = Scenario.model_json_schema()
    lines = [HEAD, "## Scenario (the file)", "", cell(schema.get("description", "")), ""]
    lines += table(schema)
    for name, spec in sorted(schema.get("$defs", {}).items()):
        lines += ["", f"## {name}", ""]
        if spec.get("description"):
            lines += [cell(spec["description"]), ""]
        if "properties" in spec:
            lines += table(spec)
        else:
            lines += [f"Type: {cell(type_of(spec))}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the page, or with ``--check`` say whether it is current."""
    text = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE} is stale: run `make docs`")  # noqa: T201
            return 1
        return 0
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
