"""acct-tool: receivables, reconciliation and account reviews over plain-text books."""

__version__ = "0.1.0"
