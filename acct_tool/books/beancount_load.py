"""Beancount's own load (``beancount.loader._load``), stage by stage: parsing (each unchanged
file's parse from :mod:`acct_tool.books.parse_cache`), booking (the older entries' from
:mod:`acct_tool.books.booking_cache`), the plugins, and the validation as units of work that
a child process and the command share (:mod:`acct_tool.books.aside`). What it returns is
what bean-check gets -- where the validation runs aside, the last plugin (the check of the
balance assertions, which only finds errors and marks the failing assertions) runs with it,
and :func:`validation_errors` gives its findings; Beancount's pad and documents plugins are
left out where they would change and find nothing (:func:`_idle_plugins`).
:mod:`acct_tool.books.ledger` draws the facts from it."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from acct_tool.books import aside, booking_cache, parse_cache

Directive = Any

#: Below this many entries the validation takes less than a child process costs to start
#: and to hear from, so it is never run aside.
ASIDE_MIN_ENTRIES = 5000
#: How much lower the validation's child runs in priority: its findings are asked for last,
#: so where the command draws a fact in another child meanwhile (three processes on two
#: CPUs), the command and that child go first. (A cold `review` at 100k: 20.6 s -> 19.4 s.)
VALIDATION_NICENESS = 10


def load(
    loader: Any,
    path: Path,
    validations: Any,
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
    parse_writes: list[Callable[[], None]] | None = None,
    validate_aside: bool = False,
    balances_with_validation: bool | None = None,
) -> tuple[Any, Any, Any, aside.Pending[list[list[Any]]]]:
    """Beancount's own load (``loader._load``), stage by stage, minus its pickle cache.

    ``load_file`` would write a cache next to the ledger, and
    ``initialize(use_cache=False)`` deletes the one bean-check keeps there; both
    change the user's books. The steps of ``loader._load`` are run here one by one
    instead, so that each stage can be announced and the parse of each unchanged
    file can come from the tool's own cache, outside the books.

    With ``balances_with_validation`` (default: when the validation runs aside), the
    check of the balance assertions is the validation's first unit instead of the last
    plugin (see :func:`validation_errors`).
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
    allowed = validate_aside and len(entries) >= ASIDE_MIN_ENTRIES
    # The check of the balance assertions, the last plugin, only finds errors (and marks the
    # failing assertions): it is done with the validation, aside, where that runs aside.
    with_validation = allowed if balances_with_validation is None else balances_with_validation
    last = _last_plugin(loader, options_map) if with_validation else None
    saved_pythonpath, saved_pre, saved_post = list(sys.path), loader.PLUGINS_PRE, loader.PLUGINS_POST
    idle = _idle_plugins(loader, options_map, entries)
    post = saved_post[:-1] if last is not None else saved_post
    try:
        if "pythonpath" in options_map:
            sys.path[0:0] = options_map["pythonpath"]
        loader.PLUGINS_PRE = [plugin for plugin in saved_pre if tuple(plugin) not in idle]
        loader.PLUGINS_POST = [plugin for plugin in post if tuple(plugin) not in idle]
        entries, errors = loader.run_transformations(entries, parse_errors, options_map, None)
    finally:
        sys.path[:] = saved_pythonpath
        loader.PLUGINS_PRE, loader.PLUGINS_POST = saved_pre, saved_post
    say("validating")

    def again() -> list[list[Any]]:  # the child failed: load once more, here, and validate that
        return load(loader, path, validations, use_cache=use_cache, balances_with_validation=last is not None)[3].result()

    units = validation_units(entries, options_map, validations)
    if last is not None:
        units.insert(0, functools.partial(_run_plugin, last, entries, options_map))
    # The entries are let go as soon as the caller is done with them: a failed child loads them again.
    found = aside.share(units, allowed=allowed, fallback=again, niceness=VALIDATION_NICENESS)
    options_map["input_hash"] = loader.compute_input_hash(options_map["include"])
    return entries, errors, options_map, found


#: The plugin Beancount runs last, which only checks: it may run with the validation.
BALANCE_PLUGIN = ("beancount.ops.balance", None)


class Replaced(NamedTuple):
    """An entry a plugin run with the validation replaced (a failing balance assertion, with
    the difference it found): the ``place``-th of the loaded entries."""

    place: int
    entry: Any


#: Beancount's plugin that inserts the padding transactions ``pad`` entries call for.
PAD_PLUGIN = ("beancount.ops.pad", None)
#: Beancount's plugin that makes ``document`` entries from the ``documents`` folders and checks
#: that every ``document`` entry's file exists.
DOCUMENTS_PLUGIN = ("beancount.ops.documents", None)


def _idle_plugins(loader: Any, options_map: dict[str, Any], entries: list[Directive]) -> set[tuple[str, Any]]:
    """Beancount's own plugins that would change nothing and find nothing in these sorted
    entries, and that the load can leave out: the documents plugin with no ``documents``
    option and no ``document`` entry; the pad plugin with no ``pad`` entry and no plugin
    before it that could make one (the ledger names no plugin). Each would hand back the
    entries as they are and no error, after a pass over them and a sort; the pad plugin
    also groups every posting by account (a third of the plugins' time on a large ledger)."""
    from beancount.core import data

    if options_map.get("plugin_processing_mode") != "default":
        return set()
    kinds = {type(entry) for entry in entries}
    idle: set[tuple[str, Any]] = set()
    pre = [tuple(plugin) for plugin in loader.PLUGINS_PRE]
    if not options_map.get("documents") and not any(issubclass(kind, data.Document) for kind in kinds):
        idle.add(DOCUMENTS_PLUGIN)
    makes_no_pads = all(plugin == DOCUMENTS_PLUGIN for plugin in pre) and not options_map.get("plugin") and not loader.PLUGINS_AUTO
    if makes_no_pads and not any(issubclass(kind, data.Pad) for kind in kinds):
        idle.add(PAD_PLUGIN)
    return idle


def _last_plugin(loader: Any, options_map: dict[str, Any]) -> tuple[str, Any] | None:
    """The balance check, when Beancount runs it last: run with the validation, it sees the
    entries every other plugin made, as it would."""
    post = loader.PLUGINS_POST
    if options_map.get("plugin_processing_mode") == "default" and post and tuple(post[-1]) == BALANCE_PLUGIN:
        return BALANCE_PLUGIN
    return None


def _run_plugin(plugin: tuple[str, Any], entries: list[Directive], options_map: dict[str, Any]) -> list[Any]:
    """What ``loader.run_transformations`` does with one plugin, as a unit of the validation:
    its errors, then the entries it replaced (as :class:`Replaced`)."""
    import importlib
    import traceback

    from beancount.core import data
    from beancount.loader import LoadError

    name, config = plugin
    module = importlib.import_module(name)
    found: list[Any] = []
    out = entries
    for function in module.__plugins__:
        callback = getattr(module, function) if isinstance(function, str) else function
        try:
            out, errors = callback(out, options_map, *(() if config is None else (config,)))
            found.extend(errors)
        except Exception:
            formatted = traceback.format_exc().replace("\n", "\n  ")
            found.append(LoadError(data.new_metadata("<load>", 0), f'Error applying plugin "{name}": {formatted}'))
    if len(out) == len(entries):  # (a plugin that adds or removes entries never runs here)
        found += [Replaced(i, new) for i, (old, new) in enumerate(zip(entries, out, strict=True)) if new is not old]
    return found


def validation_errors(validating: aside.Pending[list[list[Any]]], entries: list[Directive] | None = None) -> list[Any]:
    """The validation's findings, in Beancount's order, once the units of
    :func:`validation_units` are done (waiting for them). Given the entries :func:`load`
    returned, it puts there the failing balance assertions the check run with the
    validation marked (with ``diff_amount``), so that they are what Beancount's load
    gives; nothing in acct-tool reads those marks."""
    found = []
    for unit in validating.result():
        for item in unit:
            if isinstance(item, Replaced):
                if entries is not None:
                    entries[item.place] = item.entry
            else:
                found.append(item)
    return found


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
