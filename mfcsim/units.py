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

import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from mfcsim.errors import short

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


#: The largest size of a number mfcsim accepts (beyond it, sums and distances overflow).
MAX_NUMBER = 1e15
#: The longest quantity string accepted (characters).
MAX_QUANTITY_CHARS = 100
#: A number: optional sign, digits with an optional decimal part, optional exponent.
_NUMBER = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)")
#: One token of a unit expression: a name (letters, digits after the first, _), an operator,
#: a parenthesis, white space, or a one-digit power of the name before it.
_UNIT_TOKEN = re.compile(r"\s+|[A-Za-z€µ°%][A-Za-z0-9_€]*(?:\*\*\d|\^\d)?|[*/·()]")
_QUANTITY_HELP = (
    "a number in {target}, or a number and a unit such as '12 t/d', '0.4 MWh/t', '35 km'"
)


def split_quantity(text: str) -> tuple[float, str]:
    """A quantity string as (number, unit expression), checked in linear time.

    Accepted: a number (``12``, ``-0.5``, ``1e3``) followed by an optional unit expression of
    unit names, ``*``, ``/``, ``·``, parentheses and one-digit powers (``m**3``, ``m^3``). No
    arithmetic on numbers: ``2**40 d`` and ``10**10**7 d`` are refused.

    Raises:
        ValueError: If the text is longer than ``MAX_QUANTITY_CHARS``, or not of that form.
    """
    if len(text) > MAX_QUANTITY_CHARS:
        raise ValueError(f"has {len(text)} characters (accepted: at most {MAX_QUANTITY_CHARS})")
    number = _NUMBER.match(text)
    if number is None:
        raise ValueError("does not start with a number")
    pos, end = number.end(), len(text)
    while pos < end:
        token = _UNIT_TOKEN.match(text, pos)
        if token is None:
            raise ValueError(f"unexpected {text[pos]!r} in its unit")
        pos = token.end()
    return float(number.group(1)), text[number.end() :].strip()


def to_base(value: Any, target: str) -> float:
    """Convert a number or a quantity string to a finite float in the base unit ``target``.

    Args:
        value: A number (taken as already in ``target``) or a string such as ``"12 t/d"``.
        target: The base unit expression to convert to, e.g. ``"t/day"`` or ``"EUR/t"``.

    Returns:
        The magnitude in ``target``.

    Raises:
        ValueError: If the string does not parse, its dimension does not match ``target`` or
            the value is not finite; the message names what was given and what is accepted.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number or a quantity in {target}, got {short(value)}")
    if isinstance(value, str):
        value = _quantity(value, target)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{short(value)} is not a finite number (accepted: a finite number)")
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"{short(value)} is too large (accepted: at most {MAX_NUMBER:g} in size)")
    return number


def _quantity(text: str, target: str) -> float:
    """The magnitude of a quantity string in ``target``."""
    try:
        magnitude, unit = split_quantity(text)
    except ValueError as exc:
        raise ValueError(
            f"{short(text)} is not a quantity mfcsim understands: {exc} (accepted: "
            f"{_QUANTITY_HELP.format(target=target)})"
        ) from None
    if not unit:
        return magnitude
    ureg = registry()
    import pint

    try:
        unit = f"1 {unit}" if unit.startswith("/") else unit  # '100 / d'
        quantity = ureg.Quantity(magnitude, ureg.parse_units(_normalise(unit)))
        return float(quantity.to(_normalise(target)).magnitude)
    except pint.DimensionalityError:
        raise ValueError(
            f"{short(text)} cannot be converted to {target} (accepted: a number in {target} or "
            f"a quantity of the same dimension, e.g. '1 {target}')"
        ) from None
    except Exception:
        raise ValueError(
            f"{short(text)} is not a quantity mfcsim understands (accepted: "
            f"{_QUANTITY_HELP.format(target=target)})"
        ) from None
