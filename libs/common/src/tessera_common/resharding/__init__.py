"""Moving a tenant's rows between shards, online: copy, catch up, fence, verify, flip, clean
up; a state machine kept in the directory, resumable from any step."""
