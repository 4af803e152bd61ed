"""The cache: ledger facts and parsed profiles, kept outside the books.

When none of the files Beancount read has changed, no command loads the ledger:
the facts drawn from it last time (diagnostics, opened accounts, postings to
party and bank accounts, revenue postings) come from here. Profiles and the
settings are cached per file content, so editing one profile re-reads only it.
When the ledger must be loaded, each ledger file's parse is cached per file
content too (:mod:`acct_tool.books.parse_cache`, which also says where the
cache folder is).

Where: ``$ACCT_TOOL_CACHE_DIR``, else ``$XDG_CACHE_HOME/acct-tool``, else
``~/.cache/acct-tool``; never inside the books. ``ACCT_TOOL_NO_CACHE=1`` (or
``--no-cache``) turns it off.

Never stale, never trusted:

* ledger facts are keyed by the content (SHA-256) of every file Beancount read,
  the listing of the folders holding them (a new file may match an include
  glob), the tool, Beancount and Python versions;
* facts that depend on profiles or settings are stored under a key made of
  exactly what they depend on, and recomputed (loading the ledger) on a miss;
* files a plugin reads on its own (not through ``include``) are not tracked;
  ``--no-cache`` after changing only those;
* every cache file carries a checksum of its payload; a corrupt, truncated or
  foreign file is ignored and rewritten, and so is content that does not decode
  to what this version writes (derived facts, decoded on first use, are then
  drawn from the ledger again). Ledger facts are plain data (``marshal``
  of tuples, strings and numbers, see :mod:`acct_tool.books.cache_codec`); parsed profiles are pickled and read back
  with an unpickler that only builds this tool's own record types.
"""

from __future__ import annotations

import copyreg
import io
import marshal
import pickle
import types
from pathlib import Path
from typing import Any

from acct_tool.books import parse_cache
from acct_tool.books.cache_codec import decode_facts, encode_facts
from acct_tool.books.cache_codec import decoded as decoded  # books/load.py asks the cache for its derived facts
from acct_tool.books.inputs import inputs_unchanged, real_path
from acct_tool.books.ledger import LedgerFacts
from acct_tool.books.parse_cache import ENV_DIR as ENV_DIR
from acct_tool.books.parse_cache import ENV_OFF as ENV_OFF
from acct_tool.books.parse_cache import cache_dir as cache_dir
from acct_tool.books.parse_cache import digest as _digest
from acct_tool.books.parse_cache import enabled as enabled
from acct_tool.diagnostics import Diagnostic

FORMAT = 6
MAGIC = "acct-tool-cache"


def _mappingproxy(items: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    """Rebuilds the read-only mappings the settings use (the type itself cannot be pickled)."""
    return types.MappingProxyType(items)


copyreg.pickle(types.MappingProxyType, lambda m: (_mappingproxy, (dict(m),)))


def _versions() -> dict[str, str]:
    return parse_cache.versions()


def _write(path: Path, header: dict[str, Any], payload: bytes) -> None:
    """Atomically write a cache file of this version (see :func:`parse_cache.write_file`)."""
    parse_cache.write_file(path, {**header, "magic": MAGIC, "format": FORMAT, **_versions()}, payload)


def _read(path: Path) -> tuple[dict[str, Any], bytes] | None:
    """Header and payload of a cache file written by this version, or None."""
    return parse_cache.read_file(path, {"magic": MAGIC, "format": FORMAT, **_versions()})


# --- ledger facts ---------------------------------------------------------------


def ledger_cache_file(ledger: Path, root: Path) -> Path:
    """One cache file per ledger and books root (locations are shown relative to the root)."""
    key = f"{real_path(ledger)}\0{real_path(root)}"
    return cache_dir() / f"ledger-{_digest(key.encode())[:24]}.bin"


def load_facts(ledger: Path, root: Path) -> LedgerFacts | None:
    """Cached facts for ``ledger`` when every input is unchanged, else None."""
    if not enabled():
        return None
    found = _read(ledger_cache_file(ledger, root))
    if found is None:
        return None
    header, payload = found
    try:
        inputs = header.get("inputs")
        if not inputs_unchanged(inputs):
            return None
        facts = decode_facts(marshal.loads(payload))
    except Exception:
        return None
    facts.inputs = inputs  # checked just now; saved again as they are with new derived facts
    return facts


def save_facts(ledger: Path, root: Path, facts: LedgerFacts) -> None:
    if not enabled() or facts.inputs is None:
        return
    try:
        payload = marshal.dumps(encode_facts(facts))
    except ValueError:  # something not plain data slipped in: do not cache
        return
    _write(ledger_cache_file(ledger, root), {"inputs": facts.inputs, "ledger": str(real_path(ledger))}, payload)


# --- parsed profiles and settings -----------------------------------------------

#: Modules whose records (every dataclass they define) parsed profiles and settings are made of.
_RECORD_MODULES = ("acct_tool.books.parties", "acct_tool.books.settings")

_ALLOWED = {
    ("acct_tool.money", "Money"),
    ("acct_tool.diagnostics", "Diagnostic"),
    ("acct_tool.diagnostics", "Location"),
    ("acct_tool.diagnostics", "Severity"),
    ("decimal", "Decimal"),
    ("datetime", "date"),
    ("acct_tool.books.cache", "_mappingproxy"),
    ("builtins", "frozenset"),
    ("builtins", "set"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}


class _Unpickler(pickle.Unpickler):
    """Builds only this tool's records and a few standard value types."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED and not _is_record(module, name):
            raise pickle.UnpicklingError(f"refusing {module}.{name}")
        return super().find_class(module, name)


def _is_record(module: str, name: str) -> bool:
    """True for a dataclass defined in one of :data:`_RECORD_MODULES` (so that a record added
    to the profiles or settings is cached without being listed here too)."""
    if module not in _RECORD_MODULES:
        return False
    import dataclasses
    import importlib

    found = getattr(importlib.import_module(module), name, None)
    return isinstance(found, type) and dataclasses.is_dataclass(found) and found.__module__ == module


def files_cache_file(root: Path) -> Path:
    return cache_dir() / f"files-{_digest(str(root.resolve()).encode())[:24]}.pickle"


#: Parsed files by kind ("settings", "profiles"), then by path shown relative to the
#: books root: (content digest, parsed value). One path may be of both kinds: with
#: ``profiles: .`` the settings file sits in the profiles folder.
Parsed = dict[str, dict[str, tuple[str, Any]]]


def load_parsed(root: Path) -> Parsed:
    """The parsed files of the books, as :func:`save_parsed` stored them; empty when there are none."""
    if not enabled():
        return {}
    found = _read(files_cache_file(root))
    if found is None:
        return {}
    try:
        value = _Unpickler(io.BytesIO(found[1])).load()
    except Exception:
        return {}
    return value if _well_formed(value) else {}


def _well_formed(value: Any) -> bool:
    """True when ``value`` has the shape :func:`save_parsed` writes: kinds, paths, (digest, (record, diagnostics))."""
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import Settings

    records: dict[str, tuple[type, ...]] = {"settings": (Settings,), "profiles": (Party, type(None))}
    return isinstance(value, dict) and all(
        kind in records
        and isinstance(entries, dict)
        and all(
            isinstance(path, str)
            and isinstance(entry, tuple)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and isinstance(entry[1], tuple)
            and len(entry[1]) == 2
            and isinstance(entry[1][0], records[kind])
            and isinstance(entry[1][1], tuple)
            and all(isinstance(d, Diagnostic) for d in entry[1][1])
            for path, entry in entries.items()
        )
        for kind, entries in value.items()
    )


def digests(parsed: Parsed) -> dict[tuple[str, str], str]:
    """What identifies the parsed files' content, to tell whether anything changed."""
    return {(kind, path): entry[0] for kind, entries in parsed.items() for path, entry in entries.items()}


def save_parsed(root: Path, parsed: Parsed, before: dict[tuple[str, str], str] | None = None) -> None:
    """Store ``parsed``, less the files that no longer exist; only when that differs from ``before`` (see :func:`digests`)."""
    if not enabled():
        return
    pruned = {kind: {path: entry for path, entry in entries.items() if (root / path).exists()} for kind, entries in parsed.items()}
    if before is not None and digests(pruned) == before:
        return
    try:
        payload = pickle.dumps(pruned, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    _write(files_cache_file(root), {"root": str(root.resolve())}, payload)
