"""The JSON Schemas that define profiles and settings, and their validation.

The schemas ship inside the package (``acct_tool/schema/*.json``, draft
2020-12) so that editors can use them too (``acct-tool schema``). Validation
errors become diagnostics that point at the exact key or value, using the
marks kept by :mod:`acct_tool.yamlsource`. A schema node may carry ``x-code``
(the diagnostic code for a failed ``pattern``/``format``/``not``) and
``x-expect`` (what the value should look like, for the message).
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Iterable, cast

import fastjsonschema

if TYPE_CHECKING:
    import jsonschema
    from jsonschema import Draft202012Validator

from acct_tool.diagnostics import Diagnostic, diag
from acct_tool.yamlsource import PathT, YamlDoc

SCHEMAS = ("party", "settings")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema named ``name`` (``party`` or ``settings``) as a dict."""
    text = resources.files("acct_tool").joinpath(f"schema/{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # imported only when a document is invalid

    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _is_date(text: str) -> bool:
    if len(text) != 10:
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@functools.cache
def _fast(name: str) -> Callable[[Any], Any]:
    """A compiled validator that only says yes or no, many times faster than the full one.

    Valid documents (the common case) pass here; only an invalid one goes through
    jsonschema, which lists every error with its path for the diagnostics.
    """
    schema = load_schema(name)
    # Inlining the $defs lets the compiled code validate list items in place instead
    # of calling a function per item (several times faster on long profiles).
    flat = _inline(schema, schema.get("$defs", {}))
    compiled: Callable[[Any], Any] = fastjsonschema.compile(flat, formats={"date": _is_date}, detailed_exceptions=False)
    return compiled


_ANNOTATIONS = frozenset({"description", "default", "examples", "title", "$comment"})


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace every local ``$ref`` by the definition it names (the schemas have no cycles)."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(defs[ref[len("#/$defs/"):]], defs)
        rest = {k: _inline(v, defs) for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
        return {"allOf": [target, rest]} if rest else target
    return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}


def dotted(path: Iterable[str | int]) -> str:
    """``("interactions", 3, "date")`` -> ``interactions[3].date``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "an empty value"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    kind = {str: "text", int: "number", float: "number"}.get(type(value), type(value).__name__)
    shown = repr(value) if isinstance(value, str) else str(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kind} {shown}"


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}


def validate(doc: YamlDoc, schema_name: str) -> tuple[list[Diagnostic], set[PathT]]:
    """Validate ``doc.data`` against a shipped schema.

    Returns one diagnostic per problem and the set of paths whose values are
    invalid (unknown keys are not included: they are simply ignored), so that
    callers can build what is valid and fall back to defaults for the rest.
    """
    out: list[Diagnostic] = []
    bad: set[PathT] = BadPaths()
    try:
        _fast(schema_name)(doc.data)
        return out, bad
    except fastjsonschema.JsonSchemaException:
        pass
    for error in _validator(schema_name).iter_errors(doc.data):
        out.extend(_to_diagnostics(error, doc))
        if error.validator != "additionalProperties":
            bad.add(tuple(error.absolute_path))
    return out, bad


class BadPaths(set[PathT]):
    """Paths of invalid values, with every prefix indexed: :func:`is_bad` stays O(depth)
    however many values are invalid (a profile with 100,000 bad dates loads in linear time)."""

    def __init__(self) -> None:
        super().__init__()
        self.prefixes: set[PathT] = set()

    def add(self, path: PathT) -> None:
        super().add(path)
        self.prefixes.update(path[:k] for k in range(len(path) + 1))


def is_bad(path: PathT, bad: set[PathT]) -> bool:
    """True when ``path`` or anything inside it failed validation."""
    if isinstance(bad, BadPaths):
        return path in bad.prefixes
    n = len(path)
    return any(p[:n] == path for p in bad)


def _to_diagnostics(error: jsonschema.ValidationError, doc: YamlDoc) -> list[Diagnostic]:
    path: PathT = tuple(error.absolute_path)
    field = dotted(path)
    kind = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance

    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(sub.get("properties", {}))
        out = []
        for key in sorted(k for k in value if k not in known):
            hint = did_you_mean(key, known)
            where = "" if not path else f" in {field}"
            out.append(diag("unknown-key", f"unknown key '{key}'{where}", doc.where(path + (key,), key=True), hint=hint or f"known keys: {', '.join(known)}"))
        return out
    if kind == "required":
        missing = [k for k in cast(Any, error.validator_value) if isinstance(value, dict) and k not in value]
        where = "" if not path else f" in {field}"
        return [diag("missing-key", f"missing required key '{k}'{where}", doc.where(path)) for k in missing]
    if kind == "type":
        expected = cast(Any, error.validator_value)
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        scalar = not isinstance(value, (dict, list)) and value is not None
        code = sub.get("x-code", "wrong-type") if scalar else "wrong-type"
        expect = sub.get("x-expect")
        msg = f"{field}: expected {expect or want}, got {_describe(value)}"
        return [diag(code, msg, doc.where(path))]
    if kind == "enum":
        choices = [str(c) for c in cast(Any, error.validator_value)]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        shown = repr(value) if isinstance(value, str) else _describe(value)
        return [diag("bad-value", f"{field}: {shown} is not one of {', '.join(choices)}", doc.where(path), hint=hint)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[kind]
        return [diag("out-of-range", f"{field}: {value} is out of range; it must be {bound} {error.validator_value}", doc.where(path))]
    code = sub.get("x-code", "invalid-value")
    expect = sub.get("x-expect")
    if kind == "minLength" and value == "":
        return [diag("invalid-value", f"{field}: must not be empty", doc.where(path))]
    if kind in ("minItems", "maxItems", "uniqueItems", "minProperties", "maxLength"):
        return [diag("invalid-value", f"{field}: {error.message}", doc.where(path))]
    if expect:
        return [diag(code, f"{field}: {_describe(value)} is not {expect}", doc.where(path), hint=sub.get("x-hint"))]
    return [diag(code, f"{field}: {error.message}", doc.where(path))]
