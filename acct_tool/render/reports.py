"""Report templates: a sandboxed Jinja environment, user overrides, and safe output.

Built-in templates ship inside the package (``acct_tool.templates``, the
repository's top-level ``templates/`` folder). A books repository's own
``templates/`` folder overrides any of them by name. Every template renders
in Jinja's sandbox with undefined names as errors; HTML templates (any name
containing ``.html``) are autoescaped. A template error is a diagnostic naming
the template file and line, never a traceback.
"""

from __future__ import annotations

import marshal
import os
import sys
import traceback
import types
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.bccache
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.money import Precisions
from acct_tool.render import template_limits as limits
from acct_tool.render.template_filter_limits import bounded_filters
from acct_tool.render.template_filters import filters, template_globals
from acct_tool.render.template_limits import TooSlow, deadline, memory_cap, render_bounded
from acct_tool.render.template_sandbox import Sandbox

if TYPE_CHECKING:
    from acct_tool.books.load import Books

BUILTIN = "<built-in>"


def builtin_dir() -> Path:
    return Path(str(resources.files("acct_tool.templates")))


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


class FolderLoader(jinja2.BaseLoader):
    """Templates from one folder, read only where their real path stays inside it.

    Jinja's own loader refuses ``..`` in a name but follows symlinks anywhere: a
    ``templates/leak.md.j2`` linking to a file outside would put that file into
    the report. Here a template (or a subfolder on its way) that resolves outside
    the folder is a SecurityError, so a ``template-unsafe`` diagnostic.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses "..", like jinja2.FileSystemLoader
        path = self.folder.joinpath(*pieces)
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        real = path.resolve()
        if not _inside(real, self.folder.resolve()):
            raise SecurityError(f"template '{template}' leads to {real}, outside the templates folder")
        if not real.is_file():
            raise jinja2.TemplateNotFound(template)
        with open(real, encoding="utf-8") as handle:
            source = handle.read()
        mtime = real.stat().st_mtime
        return source, str(path), lambda: real.is_file() and real.stat().st_mtime == mtime


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _shown(path: Path, books_root: Path) -> str | None:
    """``path`` relative to the books root as the user wrote it (symlinks not followed), else resolved."""
    for a, b in ((path.absolute(), books_root.absolute()), (path.resolve(), books_root.resolve())):
        try:
            return a.relative_to(b).as_posix()
        except ValueError:
            pass
    return None


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once, held here and kept in ``folder`` (when there is one), so that
    a later run skips Jinja's compiler (about 0.17 s for the four templates of a review).

    A file per template name and path (Jinja's bucket key) holds its code, marshalled,
    behind a header with the SHA-1 of the source it was compiled from and the versions
    of the tool, its code, Python and Jinja (see :mod:`acct_tool.books.parse_cache`): a
    file for other source, written by anything else, or damaged is ignored, and the
    template compiled again. So is a file that another user owns or may write: its code
    would run as this user. Jinja's own file format is not used: it unpickles.

    :attr:`known` holds the code compiled or read here, and code compiled ahead in a child
    of this process (see :meth:`Templates.compile_ahead`), which is read before the folder."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        #: By bucket key: the checksum of the source and the code compiled from it, marshalled.
        self.known: dict[str, tuple[str, bytes]] = {}

    def _file(self, bucket: jinja2.bccache.Bucket) -> Path:
        assert self.folder is not None
        return self.folder / f"template-{bucket.key}.bin"

    def _header(self, bucket: jinja2.bccache.Bucket) -> dict[str, Any]:
        from acct_tool.books.parse_cache import versions

        return {"magic": "acct-tool-template", "source": bucket.checksum, "jinja": jinja2.__version__, **versions()}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        held = self.known.get(bucket.key)
        if held is not None and held[0] == bucket.checksum:
            bucket.code = marshal.loads(held[1])  # marshalled by this tool's own code, in this process or its child
            return
        if self.folder is None:
            return
        from acct_tool.books.parse_cache import read_file

        path = self._file(bucket)
        if not _owned_alone(path):
            return
        found = read_file(path, self._header(bucket))
        if found is None:
            return
        try:
            code = marshal.loads(found[1])
        except (ValueError, EOFError, TypeError):
            return
        if isinstance(code, types.CodeType):
            bucket.code = code
            self.known[bucket.key] = (bucket.checksum, found[1])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is None:
            return
        raw = marshal.dumps(bucket.code)
        self.known[bucket.key] = (bucket.checksum, raw)
        if self.folder is not None:
            from acct_tool.books.parse_cache import write_file

            write_file(self._file(bucket), self._header(bucket), raw)


def _owned_alone(path: Path) -> bool:
    """Whether ``path`` is this user's and no one else may write it: code read back from
    the cache runs as this user, so a file someone else could have written is not read."""
    try:
        stat = os.stat(path)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    return (getuid is None or stat.st_uid == getuid()) and not stat.st_mode & 0o022


class Templates:
    """The environment for one books repository, with its overrides folder.

    With ``compiled`` (a folder), templates once compiled are kept there and read back
    while their source is the same (see :class:`CompiledTemplates`)."""

    def __init__(self, overrides: Path | None, precisions: Precisions | None = None, *, compiled: Path | None = None) -> None:
        self.overrides = overrides if overrides is not None and overrides.is_dir() else None
        loaders: list[jinja2.BaseLoader] = []
        if self.overrides is not None:
            loaders.append(FolderLoader(self.overrides))
        loaders.append(FolderLoader(builtin_dir()))
        self._compiled = CompiledTemplates(compiled)
        self.env = Sandbox(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=_autoescape,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=self._compiled,
        )
        self.env.filters = bounded_filters({**self.env.filters, **filters(precisions)})
        self.env.globals.pop("lipsum", None)  # placeholder text of any length has no place in a report
        self.env.globals.update(template_globals(precisions))

    @classmethod
    def for_books(cls, books: Books) -> Templates:
        """The books' templates (their ``templates:`` folder over the built-in ones), at the
        ledger's precisions; compiled ones kept in the cache folder unless the cache is off."""
        from acct_tool.books.parse_cache import cache_dir

        compiled = cache_dir() / "templates" if books.inputs_key is not None else None
        return cls(books.root / books.settings.templates, books.precisions, compiled=compiled)

    def compile_ahead(self, names: Iterable[str], books_root: Path | None = None) -> dict[str, tuple[str, bytes]]:
        """The code of the templates ``names`` and of those they include, import or extend,
        compiled now (or read from the folder of compiled templates), for :meth:`take` in
        the process that renders them: the command line compiles a review's templates in a
        child while it builds the reviews. A template that does not compile is left out,
        and so are all of them when the templates folder is refused: rendering says why."""
        from jinja2 import meta

        if self.folder_problem(books_root) is not None:
            return {}
        todo, seen = list(names), set()
        try:
            with deadline(limits.MAX_SECONDS), memory_cap(limits.MAX_MEMORY):
                while todo:
                    name = todo.pop()
                    if name in seen:
                        continue
                    seen.add(name)
                    try:
                        self.env.get_template(name)
                        source = self.env.loader.get_source(self.env, name)[0] if self.env.loader is not None else ""
                        todo += [found for found in meta.find_referenced_templates(self.env.parse(source)) if found is not None]
                    except (TooSlow, MemoryError):
                        raise
                    except Exception:  # rendering it reports what is wrong
                        continue
        except (TooSlow, MemoryError):
            pass
        return dict(self._compiled.known)

    def take(self, compiled: Mapping[str, tuple[str, bytes]]) -> None:
        """Use the code :meth:`compile_ahead` gave (in a child of this process) instead of compiling."""
        self._compiled.known.update(compiled)

    def display_name(self, name: str, books_root: Path | None = None) -> str:
        """Where a template comes from, as shown in diagnostics."""
        if self.overrides is not None and os.path.lexists(self.overrides / name):
            path = self.overrides / name
            shown = _shown(path, books_root) if books_root is not None else None
            return shown or path.as_posix()
        return f"{BUILTIN}/{name}"

    def folder_problem(self, books_root: Path | None) -> Diagnostic | None:
        """A templates folder that leads out of the books (itself a symlink, or through one) is refused."""
        if self.overrides is None or books_root is None:
            return None
        real = self.overrides.resolve()
        if _inside(real, books_root.resolve()):
            return None
        shown = _shown(self.overrides, books_root) or self.overrides.as_posix()
        return diag(
            "template-unsafe",
            f"refused: the templates folder '{shown}' leads to {real}, outside the books folder",
            Location(shown),
            hint="keep report templates inside the books; copy them in instead of linking to them",
        )

    def render(self, name: str, context: Mapping[str, Any], books_root: Path | None = None) -> tuple[str | None, list[Diagnostic]]:
        """Render template ``name``; a failure is a diagnostic with the template's file and line."""
        unsafe = self.folder_problem(books_root)
        if unsafe is not None:
            return None, [unsafe]
        try:
            with deadline(limits.MAX_SECONDS), memory_cap(limits.MAX_MEMORY):
                template = self.env.get_template(name)
                return render_bounded(template, context), []
        except TooSlow:
            return None, [
                diag("template-unsafe", f"refused: rendering took longer than {limits.MAX_SECONDS:g} seconds", Location(self.display_name(name, books_root)))
            ]
        except MemoryError:
            return None, [
                diag("template-unsafe", f"refused: rendering needs more than {limits.MAX_MEMORY:,} bytes of memory", self._from_traceback(name, books_root))
            ]
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
            return None, [
                diag(
                    "template-undefined",
                    f"{exc.message}",
                    self._from_traceback(name, books_root),
                    hint="see docs/templates.md for the names a template can use",
                )
            ]
        except RecursionError:
            return None, [diag("template-error", "the template recurses too deeply", self._from_traceback(name, books_root))]
        except OverflowError as exc:
            if "sandbox" in str(exc):  # range() beyond Jinja's MAX_RANGE
                return None, [diag("template-unsafe", f"refused: {exc}", self._from_traceback(name, books_root))]
            return None, [diag("template-error", f"{type(exc).__name__}: {exc}", self._from_traceback(name, books_root))]
        except Exception as exc:
            return None, [diag("template-error", f"{type(exc).__name__}: {exc}", self._from_traceback(name, books_root))]

    def _where(self, filename: str, line: int | None, books_root: Path | None) -> Location:
        path = Path(filename)
        if path.is_absolute():
            if self.overrides is not None and books_root is not None and _inside(path.absolute(), self.overrides.absolute()):
                return Location(_shown(path, books_root) or path.as_posix(), line)
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
