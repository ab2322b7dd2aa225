"""Scenario files: the typed, validated and frozen definition of a run.

``load`` reads YAML (with ``extends:``, ``--set`` overrides and file:line errors) and is the
only module that reads scenario files; the ``*_schema`` modules define the specs by topic
(pydantic, units converted at load). This package imports only ``mfcsim.units`` and
``mfcsim.errors`` below it. Firm types are expanded into their recipes before validation
through the resolver that :mod:`mfcsim.firms.registry` hands to
:func:`mfcsim.scenario.load.use_firm_types` when it is imported (as ``import mfcsim`` does),
so the scenario package never imports the firm registry.
"""
