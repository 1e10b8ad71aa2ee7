"""`python -m sim` is the `negsim` command."""

from sim.cli import main

main()
