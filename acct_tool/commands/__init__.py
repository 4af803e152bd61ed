"""Command modules: each attaches its Click commands to the groups defined in :mod:`acct_tool.cli`."""
