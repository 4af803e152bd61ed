"""Benchmarks for acct-tool: a seeded books generator and a runner against bean-check.

Not part of the package or the test suite; run from the repository root with
``python -m benchmarks.run`` (see ``benchmarks/README.md``).
"""
