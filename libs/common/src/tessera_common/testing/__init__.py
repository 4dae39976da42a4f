"""In-memory twins of the command kit's ports, for unit tests of the handlers.

- `shards`: every shard's rows, outbox, idempotency records and inbox in memory, and the
  unit of work over them: the kit's own commit order, on a copy of the shard that only
  a commit makes the shard's.
- `tables`: a table of rows inside that copy, read as copies like rows from a database,
  written over the version they were read at.
- `directory`: the tenant directory; `clock`: a clock that moves only when told.

A service's fake repositories are these tables behind its own ports (tests/unit/fakes.py).
"""
