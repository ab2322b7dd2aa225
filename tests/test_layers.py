"""Imports point downstream: a module imports only from its own layer or the layers below.

The layers follow the data flow of the design (README, Layout: scenario → engine → results →
substances → indicators → viz, sweeps and the command line). ``KNOWN_UPWARD`` lists the
upward imports the tree still has: none since the restructuring issue; the list may only
shrink: a new upward import fails, and so does an entry of the list that is gone (remove
it). ``TYPE_CHECKING`` imports count too; imports inside one top-level package do not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "mfcsim"

#: Lowest first. A module's layer is that of the longest prefix listed.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "units", "console", "coded", "ghg", "plugins", "heap"),
    ("scenario",),
    ("ledger", "network", "world", "firms"),
    ("balance", "runfolder", "results"),
    ("substances",),
    ("engine", "agent"),
    ("indicators",),
    ("viz", "runfiles", "reporting", "compare", "business", "sweep", "plausibility"),
    ("cli", "testing", "__init__", "__main__"),
]  # fmt: skip

#: (importer, imported) pairs that point upward today; only ever remove entries.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def layer_of(module: str) -> int:
    """The layer of a module given as a dotted name under mfcsim."""
    best, found = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(f"{name}.")) and len(name) > best:
                best, found = len(name), i
    assert found >= 0, f"module {module!r} is in no layer: add it to LAYERS"
    return found


def module_name(path: Path) -> str:
    """``mfcsim/indicators/window.py`` -> ``indicators.window`` (a package: its name)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _named(node: ast.AST, package: list[str]) -> list[str]:
    """The mfcsim modules one import statement names (absolute or relative)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("mfcsim.")]
    if isinstance(node, ast.ImportFrom) and node.level:  # relative: under mfcsim
        base = package[: len(package) - node.level + 1]
        return ["mfcsim." + ".".join([*base, node.module] if node.module else base)]
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mfcsim."):
        return [node.module or ""]
    return []


def imports_of(path: Path) -> set[str]:
    """Modules under mfcsim that ``path`` imports, as dotted names under mfcsim."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        found.update(n.removeprefix("mfcsim.") for n in _named(node, package))
    return found


def upward_imports() -> set[tuple[str, str]]:
    """Every (importer, imported) pair whose imported module sits in a higher layer."""
    out = set()
    for path in ROOT.rglob("*.py"):
        importer = module_name(path)
        for imported in imports_of(path):
            same_package = importer.split(".")[0] == imported.split(".")[0]
            if not same_package and layer_of(imported) > layer_of(importer):
                out.add((importer, imported))
    return out


def test_imports_point_downstream_except_the_listed_ones() -> None:
    found = upward_imports()
    assert found - KNOWN_UPWARD == set(), "new upward imports"
    assert KNOWN_UPWARD - found == set(), "gone: remove them from KNOWN_UPWARD"


def test_every_module_has_a_layer() -> None:
    for path in ROOT.rglob("*.py"):
        layer_of(module_name(path))


def layout_block() -> str:
    """The code block of README.md's ``## Layout`` section."""
    text = (ROOT.parent / "README.md").read_text()
    section = text[text.index("## Layout\n") :]
    return section[section.index("```\n") + 4 : section.index("```\n", section.index("```\n") + 4)]


def test_the_readme_layout_names_every_module_of_the_tree() -> None:
    """Every module and package of mfcsim (one level into packages) is in README's layout,
    and every ``mfcsim/...`` path the layout names exists."""
    block = layout_block()
    words = set(re.findall(r"[\w.]+", block))
    for path in sorted(ROOT.iterdir()):
        if path.name.startswith((".", "__pycache__")) or path.suffix not in (".py", ""):
            continue
        assert f"{path.name}/" in block or path.name in words, f"{path.name} is not in the layout"
        if path.is_dir():
            for sub in sorted(path.glob("*.py")):
                if sub.name != "__init__.py":
                    assert sub.stem in words or sub.name in words, f"{path.name}/{sub.name}"
    for named in re.findall(r"mfcsim/([\w/.]+)", block):
        assert (ROOT / named).exists(), f"the layout names mfcsim/{named}, which does not exist"
