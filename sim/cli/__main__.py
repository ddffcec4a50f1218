"""``python -m summitry.sim.cli ARGS``: the ``summitry`` command where its console script is not on the PATH."""

from summitry.sim.cli import main

main()
