"""The status page: every component's health, the shard map, lags and KPIs, live."""
