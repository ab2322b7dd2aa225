"""Scenario files: the typed, validated and frozen definition of a run.

Specs by topic (frozen pydantic; class names are those of the JSON schema, ``mfcsim schema``):
``root`` (:class:`Scenario`, the whole file, and the order of its checks), ``material``,
``firm`` (processes, seasonality), ``network`` (locations, modes, links, pipelines),
``contract``, ``boundary`` (markets, disposal), ``agent`` (clearing, substitution groups),
``disruption`` and ``evaluation``; ``spec`` is their base (unknown fields are errors).
``convert`` turns quantities written with units into base units at load, amounts into the
unit of their material; ``checks`` (and ``transfer``, for transfer coefficients) relate
fields to each other (unknown ids, recipes that do not close, ...). Loading: ``reader``
reads YAML files with the line of every field and follows ``extends:``; ``overrides``
checks and applies ``--set``; ``expand`` fills firms with their type's recipes; ``fields``
says what the schema has at a field path; ``load`` runs them in order and turns every
problem into a :class:`~mfcsim.errors.ScenarioError` with file:line. ``generate`` builds
synthetic scenarios.

May import: errors, units, ghg, coded. Never the engine, the firm registry, results or
indicators: firm types are expanded through the resolver that :mod:`mfcsim.firms.registry`
hands to :func:`mfcsim.scenario.expand.use_firm_types` when it is imported (as ``import
mfcsim`` does).
"""
