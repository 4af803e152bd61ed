"""Small real ledgers: Beancount's example ledger, about the size of fava's, and a 10 KB one.

Start-up dominates on small books, so the benchmark also times ``acct-tool
check`` against ``bean-check`` on ledgers written by ``bean-example`` (the
generator of the example ledger fava ships): one of 894 KB (seven years
and eight months of a fictional person's finances) and one of about 11 KB (the
last three weeks of a year). ``bean-example`` is deterministic for a seed and a
date range, so the ledgers are generated once into the benchmark cache.

Such a ledger has no ``acct-tool.yaml``. :func:`make_books` lays it out as books
in a folder of its own: the ledger as ``ledger/main.beancount``, a minimal
``acct-tool.yaml`` naming it, and an empty ``clients/`` folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Bump when a ledger below changes, so cached copies are generated again.
SMALL_VERSION = 1
BEAN_EXAMPLE = "bean-example"


@dataclass(frozen=True)
class SmallLedger:
    """A ``bean-example`` ledger: the arguments that make it and its as-of date."""

    label: str
    title: str
    begin: str
    end: str
    as_of: str
    reformat: bool = True
    seed: int = 1

    def argv(self, bean_example: str, out: Path) -> list[str]:
        extra = [] if self.reformat else ["--no-reformat"]
        return [bean_example, "-s", str(self.seed), "--date-begin", self.begin, "--date-end", self.end, *extra, "-o", str(out)]


LEDGERS = (
    SmallLedger("example-894kb", "Beancount's example ledger, about the size of fava's (891 KB)", "2017-05-01", "2025-01-01", "2024-12-31"),
    # bean-example needs a few weeks of history; three weeks without its column alignment is about 11 KB.
    SmallLedger("ledger-11kb", "a ledger of about 10 KB (bean-example, three weeks)", "2024-12-07", "2025-01-01", "2024-12-31", reformat=False),
)

SETTINGS = "# Minimal settings: the ledger only; every other key has its default.\nledger: ledger/main.beancount\n"

_TRANSACTION = re.compile(rb"^\d{4}-\d{2}-\d{2} (?:\*|!|txn)[ \t\n]", re.MULTILINE)


def transactions(text: bytes) -> int:
    """Transactions in a ledger's text (``*``, ``!`` and ``txn`` entries)."""
    return len(_TRANSACTION.findall(text))


def ensure_ledger(ledger: SmallLedger, cache: Path, bean_example: str, regenerate: bool = False) -> Path:
    """The ledger file, generated with ``bean-example`` into ``cache`` unless it is there."""
    folder = cache / f"small-{ledger.label}"
    path, info = folder / "ledger.beancount", folder / "generated.json"
    wanted = {"version": SMALL_VERSION, "argv": ledger.argv("bean-example", Path("OUT"))}
    if not regenerate and path.is_file() and info.is_file() and json.loads(info.read_text(encoding="utf-8")) == wanted:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "ledger.beancount.partial"
    subprocess.run(ledger.argv(bean_example, partial), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial.replace(path)
    info.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    return path


def make_books(ledger_file: Path, root: Path) -> Path:
    """Books at ``root`` around a copy of ``ledger_file``: minimal settings, no profiles."""
    (root / "ledger").mkdir(parents=True)
    shutil.copyfile(ledger_file, root / "ledger" / "main.beancount")
    (root / "clients").mkdir()
    (root / "acct-tool.yaml").write_text(SETTINGS, encoding="utf-8")
    return root
