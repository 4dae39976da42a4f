"""A fault-injection harness: a workload of careful clients, an invariant checker and the
recovery figures of one round (see docs/fault-tolerance.md)."""
