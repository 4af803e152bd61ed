"""A books plugin that talks on stdout and stderr instead of returning errors."""

import sys
from typing import Any

__plugins__ = ["noisy"]


def noisy(entries: list[Any], options_map: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    print("checking", len(entries), "entries")
    print("looks fine to me", file=sys.stderr)
    return entries, []
