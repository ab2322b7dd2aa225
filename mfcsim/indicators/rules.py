"""The cluster's own rules (``rules:``): what the bound firms used of forbidden materials.

A rule (:mod:`mfcsim.scenario.rule`) forbids materials to firms, as an organic cluster
forbids mineral nitrogen fertiliser on its farms. The engine does not enforce it; after the
run, ``rule_breach_t`` sums what the rule's firms consumed of the forbidden materials in
their processes (ledger rows of kind ``consumption``): using a material is what the rules of
organic farming forbid, buying and storing it is not counted. A run without ``rules:`` has
no such rows. Scopes: ``cluster`` (summed over rules), ``rule:<id>``, ``firm:<id>`` (summed
over the rules that bind it) and ``material:<id>``.
"""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator, report_only_with
from mfcsim.indicators.window import Scoped, Window, by_scope
from mfcsim.scenario.rule import bound_firms

#: The indicators of this module: reported only for runs whose scenario states rules.
RULE_INDICATORS = ("rule_breach_t",)


def breach_rows(window: Window) -> pd.DataFrame:
    """Consumption rows that break a rule: ``rule, firm, material, t_day, quantity``."""
    used = window.rows("consumption", ["source", "material", "t_day", "quantity"])
    parts = []
    for rid, rule in window.scenario.rules.items():
        hit = used["source"].isin(bound_firms(window.scenario, rule)) & used["material"].isin(
            rule.forbid
        )
        rows = used.loc[hit, ["source", "material", "t_day", "quantity"]]
        parts.append(rows.rename(columns={"source": "firm"}).assign(rule=rid))
    if not parts:
        return pd.DataFrame(columns=["rule", "firm", "material", "t_day", "quantity"])
    out = pd.concat(parts, ignore_index=True)
    for column in ("rule", "firm", "material"):
        out[column] = out[column].astype(str)
    return out[["rule", "firm", "material", "t_day", "quantity"]]


@indicator(
    "rule_breach_t",
    unit="t",
    pillar="planet",
    scopes=("cluster", "rule", "firm", "material"),
    definition="Units of the materials a rule of the scenario (rules:) forbids that the firms "
    "it binds consumed in their processes (0: the rule held; cluster: summed over rules).",
)
def rule_breach_t(window: Window) -> Scoped:
    """Forbidden materials the bound firms used, per rule, firm and material."""
    rules = window.scenario.rules
    if not rules:
        return {}
    rows = breach_rows(window)
    per_rule = rows.groupby("rule")["quantity"].sum().reindex(list(rules), fill_value=0.0)
    return {
        **by_scope(per_rule, "rule"),
        **by_scope(rows.groupby("firm")["quantity"].sum(), "firm", total=False),
        **by_scope(rows.groupby("material")["quantity"].sum(), "material", total=False),
    }


def breach_lines(indicators: pd.DataFrame) -> list[str]:
    """One line per broken rule of a run (whole run), from its indicators frame."""
    rows = indicators[
        (indicators["indicator"] == "rule_breach_t")
        & (indicators["period"] == "all")
        & indicators["scope"].str.startswith("rule:")
    ]
    scopes = [str(scope) for scope in rows["scope"]]
    values = rows["value"].to_numpy(dtype=float)
    return [
        f"rule {scope.removeprefix('rule:')} broken: {value:,.6g} t of forbidden "
        "materials used (rule_breach_t, per firm and material in indicators.parquet)"
        for scope, value in zip(scopes, values, strict=True)
        if value > 0
    ]


report_only_with("rules", RULE_INDICATORS)
