"""Scenario files: the document a case is written in, and everything that reads or writes one.

Inside this package each module uses only the ones listed after it:

* :mod:`~sim.scenario.document`: the scenario document (pydantic models, the
  rules that span fields, the built-in scenarios, loading with readable
  errors, ``--set`` overrides applied to a document, the JSON Schema), and
  :mod:`~sim.scenario.generate`, synthetic scenarios for scale tests;
* :mod:`~sim.scenario.overrides`: parameter paths (``--set``, sweeps,
  calibration) and parameter files;
* :mod:`~sim.scenario.pattern_check`: the names a historical pattern uses;
* :mod:`~sim.scenario.pattern_fields`: the historical patterns and the rules
  on their shape;
* :mod:`~sim.scenario.loading`: YAML/JSON with line numbers, and messages that
  name file, field and line (also used for sweep specs and parameter files).

The model's parameters (:mod:`summitry.sim.mechanisms.parameters`), the clock (:mod:`summitry.sim.mechanisms.clock`)
and the registries of roles, effects and signal kinds stay beside the package,
below it: the engine reads them too.
"""
