"""Report templates: a sandboxed Jinja environment, user overrides, and safe output.

Built-in templates ship inside the package (``acct_tool.templates``, the
repository's top-level ``templates/`` folder). A books repository's own
``templates/`` folder overrides any of them by name. Every template renders
in Jinja's sandbox with undefined names as errors; HTML templates (any name
containing ``.html``) are autoescaped. A template error is a diagnostic naming
the template file and line, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import re
import signal
import sys
import threading
import traceback
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from acct_tool import charts
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.files import WriteError, write_atomic

MANIFEST = ".acct-tool-manifest.json"
BUILTIN = "<built-in>"


def builtin_dir() -> Path:
    return Path(str(resources.files("acct_tool.templates")))


# --- filters: small pure functions, registered explicitly ---------------------


def f_money(value: Any, currency: str | None = None, places: int = 2) -> str:
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    text = f"{number.quantize(Decimal(1).scaleb(-places)):,}"
    return f"{text} {currency}" if currency else text


def f_number(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-places)):,}"


def f_pct(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-places))}%"


def f_signed(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return f"+{number}" if number > 0 else str(number)


def f_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return "–"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime(fmt)
    return str(value)


def f_days(value: Any) -> str:
    if value is None:
        return "–"
    n = int(value)
    return f"{n} day{'s' if abs(n) != 1 else ''}"


def f_md(value: Any) -> str:
    """Escape text for a Markdown table cell or line."""
    text = "" if value is None else str(value)
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


FILTERS: dict[str, Callable[..., str]] = {
    "money": f_money,
    "number": f_number,
    "pct": f_pct,
    "signed": f_signed,
    "date": f_date,
    "days": f_days,
    "md": f_md,
}

GLOBALS: dict[str, Any] = {
    "bar_chart": charts.bar_chart,
    "stacked_bar": charts.stacked_bar,
    "line_chart": charts.line_chart,
}


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


# --- limits: a template may not build huge values or run forever --------------------------
#
# Jinja's sandbox stops templates from reaching Python internals, but not from
# exhausting memory or time (``{{ 'x' * 10**10 }}`` is even folded at compile
# time). The operators and string methods that can grow a value fast are checked
# before they run, the output is counted as it is produced, and rendering has a
# wall-clock limit. Every refusal is a SecurityError: a ``template-unsafe`` diagnostic.

#: Longest string or list a template may build in one step, and the most output it may write.
MAX_SIZE = 10_000_000
MAX_OUTPUT = 50_000_000
#: Largest integer (in bits) a template may compute.
MAX_BITS = 100_000
#: Seconds one template may take to render (enforced where signals can be used).
MAX_SECONDS = 60.0
#: Memory one render may add to the process (enforced where the address space can be capped: Linux).
MAX_MEMORY = 2_000_000_000

_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")
_FIELD = re.compile(r"\{[^{}]*\}")


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what}: a template may not build values this large")


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _check_width(text: str, pattern: re.Pattern[str]) -> None:
    """Refuse printf/format specs with a width or precision that would allocate a huge string."""
    for spec in pattern.findall(text):
        for part in (spec if isinstance(spec, tuple) else (spec,)):
            if part == "*":
                raise SecurityError("'*' widths are not allowed in templates")
            for digits in re.findall(r"\d+", part):
                if len(digits) > 7 or int(digits) > MAX_SIZE:
                    raise _too_big("a format width")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and right > 0 and right * max(left.bit_length(), 1) > MAX_BITS:
            raise _too_big(f"{left} ** {right}")
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = _length(seq)
            if size is not None and isinstance(times, int) and size * times > MAX_SIZE:
                raise _too_big("repeating a string or list")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
            raise _too_big("multiplying these numbers")
    elif operator == "+":
        a, b = _length(left), _length(right)
        if a is not None and b is not None and a + b > MAX_SIZE:
            raise _too_big("joining these strings or lists")
    elif operator == "%" and isinstance(left, str):
        _check_width(left, _SPEC)


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """String methods that take a size (ljust, center, zfill, replace, format...) stay within MAX_SIZE."""
    method = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(method, "__name__", "")
    values = [*args, *kwargs.values()]
    if any(isinstance(v, int) and v > MAX_SIZE for v in values):
        raise _too_big(f"str.{name}")
    if name in ("format", "format_map"):
        _check_width(owner, _FIELD)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1])
    elif name == "expandtabs":
        if owner.count("\t") * (int(values[0]) if values and isinstance(values[0], int) else 8) > MAX_SIZE:
            raise _too_big("str.expandtabs")
    elif name == "join" and args and isinstance(args[0], (list, tuple)):
        if len(owner) * len(args[0]) + sum(len(str(x)) for x in args[0]) > MAX_SIZE:
            raise _too_big("str.join")


def _check_replace(text: str, old: str, new: str) -> None:
    grows = len(new) - len(old)
    if grows > 0 and (len(text) + 1 if old == "" else text.count(old)) * grows + len(text) > MAX_SIZE:
        raise _too_big("replace")


def _bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's own filters that take a size, wrapped with the same checks as the string methods."""
    center, indent, fmt, replace, join = (filters[n] for n in ("center", "indent", "format", "replace", "join"))

    def f_center(value: Any, width: int = 80) -> Any:
        if isinstance(width, int) and width > MAX_SIZE:
            raise _too_big("center")
        return center(value, width)

    def f_indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        size = width if isinstance(width, int) else len(str(width))
        if size * (str(value).count("\n") + 1) > MAX_SIZE:
            raise _too_big("indent")
        return indent(value, width, *args, **kwargs)

    def f_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_width(str(value), _SPEC)
        return fmt(value, *args, **kwargs)

    @jinja2.pass_eval_context
    def f_replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(str(value), str(old), str(new))
        return replace(eval_ctx, value, old, new, count)

    @jinja2.pass_eval_context
    def f_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value) if not isinstance(value, (str, list, tuple)) else value
        if len(str(d)) * len(items) + sum(len(str(x)) for x in items) > MAX_SIZE:
            raise _too_big("join")
        return join(eval_ctx, items, d, attribute)

    return {"center": f_center, "indent": f_indent, "format": f_format, "replace": f_replace, "join": f_join}


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with the limits above on operators and string methods."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class _memory_cap:
    """Cap the address space while a template renders, so that no trick can exhaust memory.

    The checks above give clear messages for the usual ways to build huge values;
    this catches the rest (string concatenation with ``~`` in a loop, macros
    calling macros) as a MemoryError instead of the machine running out.
    """

    def __init__(self, extra: int) -> None:
        self.extra = extra
        self.previous: tuple[int, int] | None = None

    def __enter__(self) -> None:
        try:
            import resource

            with open("/proc/self/statm", encoding="ascii") as statm:
                used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = used + self.extra
            if (soft == resource.RLIM_INFINITY or soft > limit) and (hard == resource.RLIM_INFINITY or limit <= hard):
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
                self.previous = (soft, hard)
        except (ImportError, OSError, ValueError, AttributeError):  # not Linux: no cap
            self.previous = None

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self.previous)


class _TooSlow(BaseException):
    """Raised by the render deadline; a BaseException so that no ``except Exception`` swallows it."""


class _deadline:
    """Interrupt rendering after ``seconds`` (on the main thread of a system with SIGALRM)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.previous: Any = None

    def __enter__(self) -> None:
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def _expired(self, *_: object) -> None:
        raise _TooSlow()

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


class Templates:
    """The environment for one books repository, with its overrides folder."""

    def __init__(self, overrides: Path | None) -> None:
        self.overrides = overrides if overrides is not None and overrides.is_dir() else None
        loaders: list[jinja2.BaseLoader] = []
        if self.overrides is not None:
            loaders.append(jinja2.FileSystemLoader(str(self.overrides)))
        loaders.append(jinja2.FileSystemLoader(str(builtin_dir())))
        self.env = _Sandbox(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=_autoescape,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self.env.filters.update(_bounded_filters(self.env.filters))
        self.env.filters.update(FILTERS)
        self.env.globals.pop("lipsum", None)  # placeholder text of any length has no place in a report
        self.env.globals.update(GLOBALS)

    def display_name(self, name: str, books_root: Path | None = None) -> str:
        """Where a template comes from, as shown in diagnostics."""
        if self.overrides is not None and (self.overrides / name).is_file():
            path = self.overrides / name
            if books_root is not None:
                try:
                    return path.resolve().relative_to(books_root.resolve()).as_posix()
                except ValueError:
                    pass
            return path.as_posix()
        return f"{BUILTIN}/{name}"

    def render(self, name: str, context: Mapping[str, Any], books_root: Path | None = None) -> tuple[str | None, list[Diagnostic]]:
        """Render template ``name``; a failure is a diagnostic with the template's file and line."""
        try:
            with _deadline(MAX_SECONDS), _memory_cap(MAX_MEMORY):
                template = self.env.get_template(name)
                return _render_bounded(template, context), []
        except _TooSlow:
            return None, [diag("template-unsafe", f"refused: rendering took longer than {MAX_SECONDS:g} seconds", Location(self.display_name(name, books_root)))]
        except MemoryError:
            return None, [diag("template-unsafe", f"refused: rendering needs more than {MAX_MEMORY:,} bytes of memory", self._from_traceback(name, books_root))]
        except jinja2.TemplateSyntaxError as exc:
            where = self._where(exc.filename or name, exc.lineno, books_root)
            return None, [diag("template-syntax", f"{exc.message}", where)]
        except jinja2.TemplateNotFound as exc:  # located at the include or import when there is one
            return None, [diag("template-missing", f"template {exc.name} not found", self._from_traceback(name, books_root))]
        except UnicodeDecodeError as exc:
            data = exc.object if isinstance(exc.object, bytes) else b""
            line = data.count(b"\n", 0, exc.start) + 1
            shown = f"byte 0x{data[exc.start]:02x} on line {line}" if exc.start < len(data) else "a byte"
            message = f"a template is not valid UTF-8 ({shown})"
            return None, [diag("template-error", message, self._from_traceback(name, books_root), hint="save the template as UTF-8")]
        except SecurityError as exc:
            return None, [diag("template-unsafe", f"refused: {exc}", self._from_traceback(name, books_root))]
        except jinja2.UndefinedError as exc:
            return None, [diag("template-undefined", f"{exc.message}", self._from_traceback(name, books_root), hint="see docs/templates.md for the names a template can use")]
        except RecursionError:
            return None, [diag("template-error", "the template recurses too deeply", self._from_traceback(name, books_root))]
        except OverflowError as exc:
            if "sandbox" in str(exc):  # range() beyond Jinja's MAX_RANGE
                return None, [diag("template-unsafe", f"refused: {exc}", self._from_traceback(name, books_root))]
            return None, [diag("template-error", f"{type(exc).__name__}: {exc}", self._from_traceback(name, books_root))]
        except Exception as exc:  # noqa: BLE001 - any failure of user template code is a diagnostic
            return None, [diag("template-error", f"{type(exc).__name__}: {exc}", self._from_traceback(name, books_root))]

    def _where(self, filename: str, line: int | None, books_root: Path | None) -> Location:
        path = Path(filename)
        if path.is_absolute():
            if self.overrides is not None and books_root is not None:
                try:
                    return Location(path.resolve().relative_to(books_root.resolve()).as_posix(), line)
                except ValueError:
                    pass
            return Location(f"{BUILTIN}/{path.name}", line)
        return Location(self.display_name(filename, books_root), line)

    def _from_traceback(self, name: str, books_root: Path | None) -> Location:
        """The innermost traceback frame that is template code gives file and line."""
        tb = sys.exc_info()[2]
        found: Location | None = None
        for frame in traceback.extract_tb(tb):
            filename = frame.filename
            if filename.endswith(".j2") or (self.overrides is not None and filename.startswith(str(self.overrides))) or filename.startswith(str(builtin_dir())):
                found = self._where(filename, frame.lineno, books_root)
        return found or Location(self.display_name(name, books_root))


def _render_bounded(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """Render ``template``, refusing output larger than MAX_OUTPUT as it is produced."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the output is larger than {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    return "".join(parts)


# --- writing ------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_out_dir(out: Path, forbidden: Mapping[str, Path]) -> str | None:
    """Why ``out`` may not receive reports (inside the ledger or profiles folder), or None."""
    target = out.resolve()
    for what, folder in forbidden.items():
        base = folder.resolve()
        if target == base or base in target.parents:
            return f"refusing to write reports into the {what} folder {folder}; choose another --out"
    return None


def write_reports(out: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write ``files`` (name -> text) into ``out`` atomically.

    A file that exists is replaced only when this tool wrote it (its content still
    matches the manifest kept in ``out``) or with ``force``. Nothing is written when
    any file would be refused. Returns the paths written.
    """
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _write_reports(out, files, force)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per output folder: two runs at once would otherwise each
    rewrite the manifest from what they read before, dropping the other's entries."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; every file is still replaced atomically
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _write_reports(out: Path, files: Mapping[str, str], force: bool) -> list[Path]:
    manifest_path = out / MANIFEST
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        if not isinstance(manifest, dict):
            manifest = {}
    except (OSError, ValueError):
        manifest = {}
    refused = []
    for name, text in files.items():
        path = out / name
        if path.exists() and not force:
            try:
                current = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                current = None
            if current is None or (manifest.get(name) != _digest(current) and current != text):
                refused.append(name)
    if refused:
        raise WriteError(
            f"{len(refused)} file(s) in {out} were not written by acct-tool or were changed since "
            f"({', '.join(sorted(refused)[:5])}{'…' if len(refused) > 5 else ''}); pass --force to overwrite them"
        )
    written = []
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, force=True, durable=False)
        manifest[name] = _digest(text)
        written.append(path)
    write_atomic(manifest_path, json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", force=True)
    return written
