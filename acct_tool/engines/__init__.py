"""Engines: pure computations, records in and records out; no click, no jinja, no printing, no I/O."""
