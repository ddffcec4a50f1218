"""The engine: :class:`~summitry.sim.engine.model.DiplomacyModel`, its state and the parts of a step (delivery, the
summit process, the state updates), and what a run records (series, event log). It builds on the scenario, the
mechanisms and the agents, and knows nothing of results, experiments, reports or the command line."""
