"""Many runs of a scenario: sweeps, the backtest and calibration.

Below this package sit the engine and the single run (:mod:`summitry.sim.run`); above
it, the reports and the command line. Inside it, each module uses only the
ones listed after it:

* :mod:`~sim.experiments.calibration_smc`: ABC-SMC calibration (pyabc);
* :mod:`~sim.experiments.calibration`: rejection ABC over a sweep of the prior,
  and what both methods share (priors, the posterior table and page);
* :mod:`~sim.experiments.backtest`: free runs scored against a scenario's
  historical patterns, with baselines and ablations;
* :mod:`~sim.experiments.sweep`: running a sweep's tasks into its store, and
  :mod:`~sim.experiments.store`, the store itself (``sweep.json`` and Parquet
  parts; written all or nothing, resumable);
* :mod:`~sim.experiments.spec` (the spec file, designs, each run's seed) and
  :mod:`~sim.experiments.executors` (serial, local processes, Dask).

Analysis of a stored sweep is :mod:`summitry.sim.analysis.sweeps`, which reads the store only.
"""
