"""What Beancount's parser makes of each ledger file, cached, so an edit re-parses only the edited file.

:func:`parse_recursive` is ``beancount.loader._parse_recursive`` for one file
name, step for step (includes, include globs, relative paths, duplicate
includes and cycles, missing files, options of the top-level file merged with
what Beancount takes from the included ones), except that each file's parse --
its entries, errors and options, exactly as ``parser.parse_file`` returns them
-- is kept in the cache folder and read back while the file's bytes are the
same. Booking, plugins and validation run on the merged entries every time
(see :mod:`acct_tool.books.ledger`), so the result is the one bean-check gets.

A cached parse is keyed by the file's name (entries carry it in their
metadata) and the SHA-256 of its bytes, plus the tool, its code, Beancount and
Python versions; there is one cache file per ledger file name, replaced when
the file changes. The parse is pickled and read back by an unpickler that
builds only the types Beancount's parser puts in it; a damaged, truncated or
foreign cache file is ignored and the file parsed again. Encrypted files are
never cached.

This module also holds the cache folder's helpers (where it is, whether it is
on, how a cache file is checksummed), which :mod:`acct_tool.books.cache` uses too.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import io
import json
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acct_tool import __version__
from acct_tool.edit.files import WriteError, read_regular, write_atomic

ENV_DIR = "ACCT_TOOL_CACHE_DIR"
ENV_OFF = "ACCT_TOOL_NO_CACHE"

# --- the cache folder -----------------------------------------------------------


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").lower() not in ("1", "true", "yes", "on")


def cache_dir() -> Path:
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "acct-tool"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_fingerprint() -> str:
    """Changes whenever the tool's code does (an upgrade, an edited checkout), so that
    records pickled by other code are never read back."""
    package = Path(__file__).resolve().parents[1]
    parts = []
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("\n".join(parts).encode())[:16]


@functools.cache
def versions() -> dict[str, str]:
    """What wrote a cache file: a file written by anything else is not read back."""
    return {"tool": __version__, "code": _code_fingerprint(), "beancount": beancount_version(), "python": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def beancount_version() -> str:
    """The installed Beancount's version, without importing it: the ``VERSION`` file its
    ``__init__`` reads ``__version__`` from (a warm command loads no Beancount module), else
    the package's metadata (which costs more to import than the cached load it decides on)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("beancount")
        origin = spec.origin if spec is not None else None
        if origin:
            with open(os.path.join(os.path.dirname(origin), "VERSION"), encoding="utf-8") as handle:
                found = handle.read().strip()
            if found:
                return found
    except (OSError, ImportError, ValueError):
        pass
    try:
        from importlib.metadata import version

        return version("beancount")
    except Exception:
        return "?"


def write_file(path: Path, header: dict[str, Any], payload: bytes) -> None:
    """Atomically write a cache file: a JSON header line (with a checksum of the payload), then the payload.

    A cache that cannot be written is simply not written (nor is anything that is
    not a regular file at its place replaced)."""
    header = {**header, "sha256": digest(payload)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(header, sort_keys=True).encode() + b"\n" + payload, force=True, durable=False, mode=0o600)
    except (OSError, WriteError):
        pass


def read_file(path: Path, expected: dict[str, Any]) -> tuple[dict[str, Any], bytes] | None:
    """Header and payload of a cache file whose header has every ``expected`` value and whose
    payload matches its checksum; None for anything else (missing, damaged, foreign)."""
    try:
        raw = read_regular(path)
    except WriteError:  # missing, unreadable, or not a regular file (a FIFO would block)
        return None
    head, _, payload = raw.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return None
    if not isinstance(header, dict) or any(header.get(k) != v for k, v in expected.items()):
        return None
    if header.get("sha256") != digest(payload):
        return None
    return header, payload


# --- cached parses ---------------------------------------------------------------

MAGIC = "acct-tool-parse"
FORMAT = 1

#: Every global a parse of Beancount's (entries, errors, options) pickles.
_ALLOWED = (
    {
        ("beancount.core.data", name)
        for name in (
            "Open",
            "Close",
            "Commodity",
            "Pad",
            "Balance",
            "Transaction",
            "Note",
            "Event",
            "Query",
            "Price",
            "Document",
            "Custom",
            "Posting",
            "Booking",
        )
    }
    | {("beancount.parser.grammar", name) for name in ("ParserError", "ParserSyntaxError", "DeprecatedError", "ValueType")}
    | {("beancount.core.display_context", name) for name in ("DisplayContext", "_CurrencyContext", "_FixedPrecisionContext")}
    | {
        ("beancount.parser.lexer", "LexerError"),
        ("beancount.core.amount", "Amount"),
        ("beancount.core.position", "CostSpec"),
        ("beancount.core.position", "Cost"),
        ("beancount.core.number", "MISSING"),
        ("beancount.core.distribution", "Distribution"),
        ("collections", "defaultdict"),
        ("decimal", "Decimal"),
        ("datetime", "date"),
        ("builtins", "str"),
        ("builtins", "int"),
        ("builtins", "bool"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)


class _Unpickler(pickle.Unpickler):
    """Builds only the records and values Beancount's parser returns."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name}")
        return super().find_class(module, name)


def parse_cache_file(filename: str) -> Path:
    """One cache file per ledger file name, replaced when the file changes."""
    return cache_dir() / f"parse-{digest(filename.encode())[:24]}.bin"


def _expected(filename: str, content: str) -> dict[str, Any]:
    return {"magic": MAGIC, "format": FORMAT, **versions(), "file": filename, "content": content}


Parsed = tuple[list[Any], list[Any], dict[str, Any]]


def load(filename: str, content: str) -> Parsed | None:
    """The cached parse of ``filename`` when its bytes had the SHA-256 ``content``, else None."""
    found = read_file(parse_cache_file(filename), _expected(filename, content))
    if found is None:
        return None
    try:
        value = _Unpickler(io.BytesIO(found[1])).load()
    except Exception:
        return None
    if not (isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], list) and isinstance(value[1], list) and isinstance(value[2], dict)):
        return None
    return value


def save(filename: str, content: str, parsed: Parsed, later: list[Callable[[], None]] | None = None) -> None:
    """Store the parse of ``filename``; with ``later``, it is pickled and written by a forked
    child -- a snapshot of the parse as it is now, before booking and plugins reach it --
    and waiting for that child is handed to ``later``; where no child can be forked, it is
    pickled now and the write handed to ``later``."""
    from acct_tool.books import aside

    def pickled() -> bytes | None:
        try:
            return pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something a plugin-free parse never holds: do not cache
            return None

    def write(payload: bytes | None) -> None:
        if payload is not None:
            write_file(parse_cache_file(filename), _expected(filename, content), payload)

    if later is None:
        write(pickled())
        return
    if aside.can_detach():
        later.append(aside.detach(pickled, write))
        return
    later.append(functools.partial(write, pickled()))


@dataclass
class ParseCount:
    """How many files were parsed, and how many of them came from the cache."""

    files: int = 0
    cached: int = 0
    #: When a list, the writes of fresh parses go here instead of happening at once.
    writes: list[Callable[[], None]] | None = None
    #: The SHA-256 of each file's bytes, in the order the files were parsed (when the cache is on).
    contents: dict[str, str] = field(default_factory=dict)


def _parse_file(filename: str, use_cache: bool, count: ParseCount) -> Parsed:
    """``parser.parse_file(filename)``, from the cache when the file's bytes are the same."""
    from beancount.parser import parser

    count.files += 1
    if not use_cache:
        return parser.parse_file(filename)
    with open(filename, "rb") as handle:  # what the parser would open, with the same errors
        source = handle.read()
    content = count.contents[filename] = digest(source)
    cached = load(filename, content)
    if cached is not None:
        count.cached += 1
        return cached
    parsed: Parsed = parser.parse_file(io.BytesIO(source), report_filename=filename)
    save(filename, content, parsed, count.writes)
    return parsed


def parse_recursive(filename: str, *, use_cache: bool = True, count: ParseCount | None = None) -> Parsed:
    """``beancount.loader._parse_recursive([(filename, True)], None)``, with each file's parse cached.

    ``filename`` is absolute. Returns the unsorted entries, the parse errors and the
    options map, as Beancount's does; ``count`` (when given) says how many files
    were parsed and how many came from the cache.
    """
    from beancount.core import data
    from beancount.loader import LoadError, aggregate_options_map
    from beancount.parser import options, parser
    from beancount.utils import encryption

    count = count if count is not None else ParseCount()
    entries: list[Any] = []
    parse_errors: list[Any] = []
    options_map: dict[str, Any] | None = None
    other_options_map: list[dict[str, Any]] = []
    source_stack = [filename]  # only file names: nothing here is parsed from a string
    filenames_seen: set[str] = set()

    while source_stack:
        source = source_stack.pop(0)
        is_top_level = options_map is None
        # An encrypted file is read and parsed as a string: never cached, and not "seen".
        cwd = os.path.dirname(source)
        source_filename = source
        if encryption.is_encrypted_file(source):
            text = encryption.read_encrypted_file(source)
            src_entries, src_errors, src_options_map = parser.parse_string(text, source_filename)
        else:
            assert os.path.isabs(source)
            name = os.path.normpath(source)
            if name in filenames_seen:
                parse_errors.append(LoadError(data.new_metadata("<load>", 0), f'Duplicate filename parsed: "{name}"'))
                continue
            if not os.path.exists(name):
                parse_errors.append(LoadError(data.new_metadata("<load>", 0), f'File "{name}" does not exist'))
                continue
            filenames_seen.add(name)
            src_entries, src_errors, src_options_map = _parse_file(name, use_cache, count)
            cwd = os.path.dirname(name)

        entries.extend(src_entries)
        parse_errors.extend(src_errors)
        # The options of the very first file only; some of the others' are aggregated below.
        if is_top_level:
            options_map = src_options_map
        else:
            other_options_map.append(src_options_map)

        include_expanded = []
        for include_filename in src_options_map["include"]:
            search_path = include_filename
            if not os.path.isabs(include_filename):
                search_path = os.path.join(cwd, include_filename)
            matched_filenames = glob.glob(search_path, recursive=True)
            if matched_filenames:
                include_expanded.extend(matched_filenames)
            else:
                parse_errors.append(LoadError(data.new_metadata("<load>", 0), f'File glob "{include_filename}" does not match any files'))
        for include_filename in include_expanded:
            if not os.path.isabs(include_filename):
                include_filename = os.path.join(cwd, include_filename)
            source_stack.append(os.path.normpath(include_filename))

    if options_map is None:
        options_map = options.OPTIONS_DEFAULTS.copy()
    options_map["include"] = sorted(filenames_seen)
    merged: dict[str, Any] = aggregate_options_map(options_map, other_options_map)
    return entries, parse_errors, merged
