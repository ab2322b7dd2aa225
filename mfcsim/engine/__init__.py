"""The engine: one run of a scenario through time.

``simulation`` owns the clock and the order of the daily phases; ``kernel/`` is the
vectorised path over all firms that need no custom hook; ``transport`` moves shipments in
continuous time; ``market`` holds the outside world's prices and routes; ``disruptions``
are the SimPy processes of outages, shocks, closures and policies.

May import: errors, units, scenario, network, ledger, results, balance, substances, firms,
agent. Never indicators, viz, run-folder writing or the command line.
"""
