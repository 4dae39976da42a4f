"""`python -m tessera_bench run|compare`, as `make bench` and `make bench-compare` run it."""

from tessera_bench.cli import main

main()
