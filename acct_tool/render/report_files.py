"""Report files: rendered files held until all are rendered, then written into the output
folder together, with a manifest of what this tool wrote there (so that a file someone
edited since is never overwritten without ``--force``)."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple, overload

from acct_tool.edit.files import WriteError, write_atomic

MANIFEST = ".acct-tool-manifest.json"


def _digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def check_out_dir(out: Path, forbidden: Mapping[str, Path]) -> str | None:
    """Why ``out`` may not receive reports (inside the ledger or profiles folder), or None."""
    target = out.resolve()
    for what, folder in forbidden.items():
        base = folder.resolve()
        if target == base or base in target.parents:
            return f"refusing to write reports into the {what} folder {folder}; choose another --out"
    return None


class Packed(NamedTuple):
    """A rendered text file held compressed until it is written (see :func:`pack`)."""

    zipped: bytes


@overload
def pack(data: str | bytes) -> str | bytes | Packed: ...
@overload
def pack(data: None) -> None: ...
def pack(data: str | bytes | None) -> str | bytes | Packed | None:
    """A rendered file as it is held until every file is rendered and written (nothing is
    written when one would be refused): text as the UTF-8 bytes written, compressed --
    hundreds of files are held at once, and text with one character beyond ASCII takes two
    bytes a character in memory; bytes (a PDF) as they are; text that cannot be encoded as
    it is, for the writer to refuse by name."""
    if not isinstance(data, str):
        return data
    try:
        raw = data.encode("utf-8")
    except UnicodeEncodeError:
        return data
    return Packed(zlib.compress(raw, 1))


class Unpacked(Mapping[str, "str | bytes"]):
    """Files held as :func:`pack` holds them, each read back when asked for (for :func:`write_reports`)."""

    def __init__(self, held: Mapping[str, str | bytes | Packed]) -> None:
        self._held = held

    def __getitem__(self, name: str) -> str | bytes:
        value = self._held[name]
        return zlib.decompress(value.zipped) if isinstance(value, Packed) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)


def write_reports(out: Path, files: Mapping[str, str | bytes], *, force: bool = False) -> list[Path]:
    """Write ``files`` (name -> text, or bytes for a PDF) into ``out`` atomically.

    A file that exists is replaced only when this tool wrote it (its content still
    matches the manifest kept in ``out``) or with ``force``. Nothing is written when
    any file would be refused. Returns the paths written.
    """
    from acct_tool.edit.files import locked

    out.mkdir(parents=True, exist_ok=True)
    with locked(out):  # two runs at once would each rewrite the manifest from what they read, dropping the other's entries
        return _write_reports(out, files, force)


def _write_reports(out: Path, files: Mapping[str, str | bytes], force: bool) -> list[Path]:
    from acct_tool.edit.files import check_target, read_regular

    manifest_path = out / MANIFEST
    for path in (manifest_path, *(out / name for name in files)):
        check_target(path, force=True)  # a folder, FIFO or device in the way: refused before anything is read or written
    try:
        manifest: dict[str, str] = json.loads(read_regular(manifest_path).decode("utf-8")) if manifest_path.exists() else {}
        if not isinstance(manifest, dict):
            manifest = {}
    except (WriteError, ValueError):
        manifest = {}
    refused = []
    for name in files:  # a file's text is read (unpacked) here only if one is in its place
        path = out / name
        if path.exists() and not force:
            try:
                current: bytes | None = read_regular(path)
            except WriteError:
                current = None
            text = files[name]
            wanted = text.encode("utf-8") if isinstance(text, str) else text
            if current is None or (manifest.get(name) != _digest(current) and current != wanted):
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
