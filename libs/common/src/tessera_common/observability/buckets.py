"""One set of latency buckets for every histogram (HTTP, statements, the relay), so their
quantiles compare; kept apart from the HTTP metrics, so persistence needs no web framework."""

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
