"""Beancount's own load (``beancount.loader._load``), stage by stage: parsing (each unchanged
file's parse from :mod:`acct_tool.books.parse_cache`), booking (the older entries' from
:mod:`acct_tool.books.booking_cache`), the plugins, and the validation as units of work that
a child process and the command share (:mod:`acct_tool.books.aside`). What it returns is
what bean-check gets; :mod:`acct_tool.books.ledger` draws the facts from it."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from acct_tool.books import aside, booking_cache, parse_cache

Directive = Any

#: Below this many entries the validation takes less than a child process costs to start
#: and to hear from, so it is never run aside.
ASIDE_MIN_ENTRIES = 5000


def load(
    loader: Any,
    path: Path,
    validations: Any,
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
    parse_writes: list[Callable[[], None]] | None = None,
    validate_aside: bool = False,
) -> tuple[Any, Any, Any, aside.Pending[list[list[Any]]]]:
    """Beancount's own load (``loader._load``), stage by stage, minus its pickle cache.

    ``load_file`` would write a cache next to the ledger, and
    ``initialize(use_cache=False)`` deletes the one bean-check keeps there; both
    change the user's books. The steps of ``loader._load`` are run here one by one
    instead, so that each stage can be announced and the parse of each unchanged
    file can come from the tool's own cache, outside the books.
    """
    from beancount.core import data
    from beancount.utils import encryption

    say = progress or (lambda stage: None)
    filename = os.path.abspath(str(path))
    if encryption.is_encrypted_file(filename):
        say("parsing")
        entries, errors, options_map = loader.load_encrypted_file(filename, None, None, validations)  # never cached
        return entries, errors, options_map, aside.Pending(list)
    say("parsing")
    count = parse_cache.ParseCount(writes=parse_writes)
    entries, parse_errors, options_map = parse_cache.parse_recursive(filename, use_cache=use_cache, count=count)
    entries.sort(key=data.entry_sortkey)
    say("booking")
    try:
        entries, balance_errors = booking_cache.book(filename, entries, options_map, count.contents, use_cache=use_cache, writes=parse_writes)
    except booking_cache.Spoiled:  # the older entries were let go for a kept booking that did not read back
        entries, parse_errors, options_map = parse_cache.parse_recursive(filename, use_cache=use_cache, count=parse_cache.ParseCount())
        entries.sort(key=data.entry_sortkey)
        entries, balance_errors = booking_cache.book(filename, entries, options_map, {}, use_cache=False)
    parse_errors.extend(balance_errors)
    say("running plugins")
    saved_pythonpath = list(sys.path)
    try:
        if "pythonpath" in options_map:
            sys.path[0:0] = options_map["pythonpath"]
        entries, errors = loader.run_transformations(entries, parse_errors, options_map, None)
    finally:
        sys.path[:] = saved_pythonpath
    say("validating")
    allowed = validate_aside and len(entries) >= ASIDE_MIN_ENTRIES

    def again() -> list[list[Any]]:  # the child failed: load once more, here, and validate that
        return load(loader, path, validations, use_cache=use_cache)[3].result()

    # The entries are let go as soon as the caller is done with them: a failed child loads them again.
    found = aside.share(validation_units(entries, options_map, validations), allowed=allowed, fallback=again)
    options_map["input_hash"] = loader.compute_input_hash(options_map["include"])
    return entries, errors, options_map, found


def validation_errors(validating: aside.Pending[list[list[Any]]]) -> list[Any]:
    """The validation's findings, in Beancount's order, once the units of
    :func:`validation_units` are done (waiting for them)."""
    return [error for unit in validating.result() for error in unit]


#: Validations that look at each entry on its own: their work is split into runs of entries.
_PER_ENTRY = ("validate_check_transaction_balances", "validate_data_types")

#: A per-entry validation is split into about this many runs (none shorter than ``_MIN_RUN``),
#: so that the child and this process can share what is left when this one is free.
_RUNS, _MIN_RUN = 64, 250


def validation_units(entries: list[Directive], options_map: dict[str, Any], extra: Iterable[Callable[..., Any]]) -> list[Callable[[], list[Any]]]:
    """``beancount.ops.validation.validate(entries, options_map, None, extra)``, what
    bean-check runs, as units of work whose findings, concatenated in order, are the
    findings of that call: one unit per validation, except that the validations that
    check each entry on its own are split into runs of consecutive entries. (Beancount's
    function also adds ``extra`` to its module's list of validations on every call, so
    that in a process that loads more than once -- fava, the tests -- each later load
    would run them again and again; this does not.)"""
    from beancount.ops import validation

    run = max(_MIN_RUN, -(-len(entries) // _RUNS))
    units: list[Callable[[], list[Any]]] = []
    for check in dict.fromkeys([*validation.VALIDATIONS, *extra]):
        if getattr(check, "__module__", None) == validation.__name__ and getattr(check, "__name__", "") in _PER_ENTRY:
            units += [functools.partial(_check_run, check, entries, start, start + run, options_map) for start in range(0, len(entries), run)]
        else:
            units.append(functools.partial(check, entries, options_map))
    return units


def _check_run(check: Callable[..., list[Any]], entries: list[Directive], start: int, stop: int, options_map: dict[str, Any]) -> list[Any]:
    return check(entries[start:stop], options_map)
