"""The vectorised path: plan, procure, produce and surplus for all plain firms at once.

``core`` holds the ``Kernel`` (its arrays and phases) and the rule that decides which firms
it may take; ``plans`` compiles the recipes into rank plans; ``produce`` and ``surplus``
run those phases on the arrays. Each operation repeats the per-firm path of
``mfcsim.firms.base`` bit for bit (``tests/test_kernel_paths.py`` holds them together).

May import what ``mfcsim.engine`` may, and the engine's own ``ledger`` and ``transport``.
"""
