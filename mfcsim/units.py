"""Base units and the parsing of quantities written with units.

Scenario files may write ``12 t/d``, ``0.4 MWh/t``, ``35 km`` or ``0.1 kg CO2e/(t*km)``.
Loading converts each such string once, with pint, to a plain float in mfcsim's base units:

=========  ==========================================
quantity   base unit
=========  ==========================================
mass       t (metric tonne)
energy     MWh
volume     m3
distance   km
time       day (the simulation clock unit)
money      EUR
emissions  t CO2e
=========  ==========================================

A bare number is taken to be in base units already. The simulation never sees a unit object.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pint

#: The clock unit of the simulation.
TIME_UNIT = "day"

_ALIASES: tuple[tuple[str, str], ...] = (
    (r"\bg\s*CO2e?q?\b", "g_CO2e"),
    (r"\bkg\s*CO2e?q?\b", "kg_CO2e"),
    (r"\bt\s*CO2e?q?\b", "t_CO2e"),
    (r"\bMt\s*CO2e?q?\b", "Mt_CO2e"),
    (r"\bt\s*[·*]?\s*km\b", "(t*km)"),
    (r"\btkm\b", "(t*km)"),
    (r"€", "EUR"),
    (r"\bm3\b", "m**3"),
    (r"\bNm3\b", "m**3"),
    (r"\bhL\b", "hectoliter"),
    (r"\bhl\b", "hectoliter"),
    (r"/d\b", "/day"),
    (r"\bh\b", "hour"),
    (r"\byr\b", "year"),
    (r"·", "*"),
)


@cache
def registry() -> pint.UnitRegistry:
    """Return the unit registry, built once, with money and CO2e dimensions added."""
    import pint

    try:  # pint caches its parsed definitions on disk: much faster from the second run on
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except Exception:  # no writable cache folder, or an older pint
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("EUR = [currency] = euro")
    ureg.define("kEUR = 1000 EUR")
    ureg.define("t_CO2e = [co2e]")
    ureg.define("kg_CO2e = 0.001 t_CO2e")
    ureg.define("g_CO2e = 1e-6 t_CO2e")
    ureg.define("Mt_CO2e = 1e6 t_CO2e")
    return ureg


def _normalise(text: str) -> str:
    for pattern, replacement in _ALIASES:
        text = re.sub(pattern, replacement, text)
    return text


def to_base(value: Any, target: str) -> float:
    """Convert a number or a quantity string to a float in the base unit ``target``.

    Args:
        value: A number (taken as already in ``target``) or a string such as ``"12 t/d"``.
        target: The base unit expression to convert to, e.g. ``"t/day"`` or ``"EUR/t"``.

    Returns:
        The magnitude in ``target``.

    Raises:
        ValueError: If the string does not parse or its dimension does not match ``target``;
            the message names what was given and what is accepted.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a quantity in {target}, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a number or a quantity in {target}, got {value!r}")
    ureg = registry()
    import pint

    try:
        quantity = ureg.Quantity(_normalise(value.strip()))
        return float(quantity.to(_normalise(target)).magnitude)
    except pint.DimensionalityError:
        raise ValueError(
            f"{value!r} cannot be converted to {target} (accepted: a number in {target} or a "
            f"quantity of the same dimension, e.g. '1 {target}')"
        ) from None
    except Exception:
        raise ValueError(
            f"{value!r} is not a quantity mfcsim understands (accepted: a number in {target}, "
            f"or a number and a unit such as '12 t/d', '0.4 MWh/t', '35 km')"
        ) from None
