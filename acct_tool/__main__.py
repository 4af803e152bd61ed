"""Allow ``python -m acct_tool``."""

import sys

try:
    from acct_tool.cli import main
except ImportError as exc:  # a dependency of the command line itself is missing
    from acct_tool.requirements import missing_message

    print(missing_message(exc), file=sys.stderr)
    sys.exit(2)

main()
