"""Allow ``python -m acct_tool``."""

from acct_tool.cli import main

main()
