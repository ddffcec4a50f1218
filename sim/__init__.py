"""summitry's engine: scenarios, signals, trust, influence, pressure, bargaining, runs."""

__version__ = "0.1.0"
