"""Analysis of what runs and sweeps left behind: reads stored results (a result, a sweep's Parquet store, saved
runs) and never runs the engine. Pattern scores, survival tables and sweep tables live here."""
