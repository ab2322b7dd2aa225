"""Quantities written with units become plain floats in mfcsim's base units."""

from __future__ import annotations

import pytest

from mfcsim.units import to_base


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("12 t/d", "t/day", 12.0),
        ("500 kg/h", "t/day", 12.0),
        ("0.4 MWh/t", "MWh/t", 0.4),
        ("400 kWh/t", "MWh/t", 0.4),
        ("35 km", "km", 35.0),
        ("35000 m", "km", 35.0),
        ("365 d", "day", 365.0),
        ("2 weeks", "day", 14.0),
        ("36 h", "day", 1.5),
        ("50 kg", "t", 0.05),
        ("0.1 kg CO2e/tkm", "t_CO2e/(t*km)", 1e-4),
        ("0.12 EUR/tkm", "EUR/(t*km)", 0.12),
        ("300 EUR/t", "EUR/t", 300.0),
        ("0.3 €/kg", "EUR/t", 300.0),
        ("1.221 kg/m3", "t/m3", 0.001221),
        ("50 km/h", "km/day", 1200.0),
        ("2000 m3/d", "m3/day", 2000.0),
    ],
)
def test_quantity_strings_convert_to_base_units(text: str, target: str, expected: float) -> None:
    """A number with a unit is converted to the requested base unit."""
    assert to_base(text, target) == pytest.approx(expected, rel=1e-12)


def test_bare_numbers_are_taken_as_base_units() -> None:
    """A plain number is already in the base unit and passes unchanged."""
    assert to_base(7, "t/day") == 7.0
    assert to_base(0.25, "km") == 0.25


@pytest.mark.parametrize(
    ("text", "target", "words"),
    [
        ("12 t", "km", "cannot be converted to km"),
        ("12 bananas", "t", "is not a quantity mfcsim understands"),
        ("twelve t", "t", "is not a quantity mfcsim understands"),
    ],
)
def test_bad_quantities_say_what_is_accepted(text: str, target: str, words: str) -> None:
    """A wrong dimension or an unknown unit is a ValueError naming the value and the accepted."""
    with pytest.raises(ValueError, match=words) as info:
        to_base(text, target)
    assert repr(text) in str(info.value)
    assert "accepted" in str(info.value)


def test_booleans_are_not_quantities() -> None:
    """YAML's `yes`/`true` is not silently taken as 1."""
    with pytest.raises(ValueError, match="expected a number or a quantity"):
        to_base(True, "t")


def test_grams_of_co2e_per_tonne_km():
    """Transport factors are often quoted in g CO2e per t·km."""
    from mfcsim.units import to_base

    assert to_base("62 g CO2e/tkm", "t_CO2e/(t*km)") == pytest.approx(62e-6)
