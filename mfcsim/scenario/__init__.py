"""Scenario files: the typed, validated and frozen definition of a run.

``load`` reads YAML (with ``extends:``, ``--set`` overrides and file:line errors) and is the
only module that reads scenario files; the ``*_schema`` modules define the specs by topic
(pydantic, units converted at load). This package imports only ``mfcsim.units`` and
``mfcsim.errors`` below it, and (for now) the firm registry, to expand firm types into their
recipes before validation.
"""
