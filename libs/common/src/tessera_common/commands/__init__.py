"""The command-service kit: what accounts, billing and usage are each built on, written once.

- `ports`: what every handler may ask for (a clock, a unit of work it opens on a shard).
- `aggregates`: how a repository remembers the aggregates it handed out.
- `unit_of_work`: one transaction on one shard that saves what changed, turns new domain
  events into outbox rows and records the response of a keyed request, all at commit.
- `runner`: runs a handler in a unit of work of its own, with its dependencies by name.
- `service`: the composition root every command process shares.
"""
