"""Loading, once per command: the only place that reads the books (ledger, profiles, settings) and the cache around the load."""
