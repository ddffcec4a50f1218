"""The model's mechanisms: pure rules on arrays (trust, influence, pressure, bargaining, stated limits), the catalogues
they read (roles, signal kinds, the effect registry) and the model-wide parameters with the clock that converts their
rates to the scenario's step. Nothing here imports the scenario, the engine or the agents."""
