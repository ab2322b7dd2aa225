"""Substances (dry matter, N, P, C, ...) carried by the materials, derived after a run.

``processes`` compiles what each firm's processes do to substances (recipes and transfer
coefficients); ``replay`` replays the substances through the ledger; ``balance`` checks
their balance per node; ``nutrients`` builds the nutrient tables (N, P) per firm and region.

May import: errors, coded, ledger, scenario, results, balance. Never the engine, indicators
or viz.
"""

from mfcsim.substances import views  # noqa: F401  (importing registers the views and check)
