"""Results as data: what a run produced, and summaries read from it; nothing here imports the engine.

* :mod:`~sim.results.summary`: the outcome in a sentence and a run's key events;
* :mod:`~sim.results.run_result`: :class:`~sim.results.run_result.RunResult`
  (manifest, event log, time series), saved to and loaded from a run directory.

Running a scenario into a result is :mod:`summitry.sim.run`; the views, figures,
reports and the dashboard read results only.
"""
