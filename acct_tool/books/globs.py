"""Glob patterns over ``/``-separated relative paths, as settings write them to say
which statement files a format or account applies to.
"""

from __future__ import annotations

import re
from typing import Any


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a ``/``-separated relative ``path`` matches a glob: ``*`` and ``?`` stay within a
    folder, ``**`` spans folders, ``[...]`` is a character class.

    Matched by dynamic programming over (pattern token, path position), not by a regular
    expression: a pattern like ``*a*a*a*a*a*a*a*a*a*a*b`` made the regex backtrack for minutes.
    """
    tokens = _glob_tokens(pattern.strip().removeprefix("./"))
    if tokens is None:  # a class like [z-a]: match the pattern literally
        return pattern.strip().removeprefix("./") == path
    n = len(path)
    after = [j == n for j in range(n + 1)]  # after[j]: the tokens after the current one match path[j:]
    for kind, arg in reversed(tokens):
        here = [False] * (n + 1)
        inside = False  # for `**/`: path[j:] is "anything, then /, then the rest"
        for j in range(n, -1, -1):
            char = path[j] if j < n else ""
            if kind == "lit":
                here[j] = char == arg and after[j + 1]
            elif kind == "one":
                here[j] = bool(char) and char != "/" and after[j + 1]
            elif kind == "class":
                here[j] = bool(char) and arg.fullmatch(char) is not None and after[j + 1]
            elif kind == "star":
                here[j] = after[j] or (bool(char) and char != "/" and here[j + 1])
            elif kind == "globstar":
                here[j] = after[j] or (bool(char) and here[j + 1])
            else:  # "dirs": `**/`, nothing or any folders
                inside = bool(char) and ((char == "/" and after[j + 1]) or inside)
                here[j] = after[j] or inside
        after = here
    return after[0]


def _glob_tokens(pattern: str) -> list[tuple[str, Any]] | None:
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            tokens.append(("dirs", None))
            i += 3
            continue
        if pattern.startswith("**", i):
            tokens.append(("globstar", None))
            i += 2
            continue
        if char == "*":
            tokens.append(("star", None))
        elif char == "?":
            tokens.append(("one", None))
        elif char == "[" and (close := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : close]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            try:
                cls = re.compile("[" + ("^" if negate else "") + body.replace("\\", "\\\\").replace("^", "\\^") + "]")
            except re.error:
                return None
            tokens.append(("class", cls))
            i = close + 1
            continue
        else:
            tokens.append(("lit", char))
        i += 1
    return tokens
