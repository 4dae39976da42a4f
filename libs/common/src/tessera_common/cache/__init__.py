"""In-process caches of read-model answers, and the invalidations that keep them honest."""
