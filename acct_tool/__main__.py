"""Allow ``python -m acct_tool``."""

import sys

try:
    from acct_tool.cli import main
except ImportError as exc:  # a dependency of the command line itself is missing
    print(
        f"Error: acct-tool needs the Python package '{exc.name or exc}', which this Python ({sys.executable}) "
        "does not have. Install acct-tool with its dependencies: pip install acct-tool (or pip install -e . in a checkout).",
        file=sys.stderr,
    )
    sys.exit(2)

main()
