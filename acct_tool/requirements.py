"""What an incomplete installation lacks, named all at once.

The command line imports its dependencies as it needs them, so an ImportError names
only the first one missing; a user who installs it would meet the next. When one is
missing, :func:`missing_message` looks for every package ``pyproject.toml`` requires
(without importing any) and names them together. Nothing here imports a dependency.
"""

from __future__ import annotations

import importlib.util
import sys

#: The packages acct-tool requires, as (module imported, distribution installed), in the
#: order of ``dependencies`` in ``pyproject.toml`` (a test keeps the two the same).
REQUIRED = (
    ("click", "click"),
    ("beancount", "beancount"),
    ("yaml", "pyyaml"),
    ("jinja2", "jinja2"),
    ("jsonschema", "jsonschema"),
    ("fastjsonschema", "fastjsonschema"),
    ("ruamel.yaml", "ruamel.yaml"),
    ("ofxtools", "ofxtools"),
    ("mt940", "mt-940"),
    ("defusedxml", "defusedxml"),
)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module without a spec
        return False


def _distribution(module: str) -> str | None:
    """The required distribution that ``module`` (or its package, or a package in it) belongs to."""
    for name, distribution in REQUIRED:
        if module == name or module.startswith(name + ".") or name.startswith(module + "."):
            return distribution
    return None


def missing(first: str | None = None) -> list[str]:
    """What to install: the distribution of ``first`` (the module an import just failed on),
    then every other required one this Python cannot import."""
    out = [_distribution(first) or first] if first else []
    out += [distribution for module, distribution in REQUIRED if not _importable(module)]
    return list(dict.fromkeys(out))


def missing_message(exc: ImportError) -> str:
    """The error for an ImportError out of the command line: what to install, all at once."""
    names = missing(exc.name or None) or [str(exc)]
    quoted = [f"'{name}'" for name in names]
    what = f"package {quoted[0]}" if len(quoted) == 1 else f"packages {', '.join(quoted[:-1])} and {quoted[-1]}"
    return (
        f"Error: acct-tool needs the Python {what}, which this Python ({sys.executable}) does not have. "
        "Install acct-tool with its dependencies: pip install acct-tool (or pip install -e . in a checkout)."
    )
