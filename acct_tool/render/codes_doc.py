"""``docs/diagnostics.md``, generated from :data:`acct_tool.diagnostics.CODES`.

A pure function of the codes table, so that the documentation cannot drift from
the code: ``tests/test_codes.py`` compares the committed file with the output.
Regenerate it with ``python -m acct_tool.render.codes_doc > docs/diagnostics.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from acct_tool.diagnostics import CODES, Code

#: Sections of the page, in order: a title, what the codes have in common, and
#: the code names (exact, or a prefix ending in ``-``) that belong to it. A code
#: goes to the first section that claims it; unclaimed codes go to "Other".
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Files and YAML",
        "A profile or the settings file cannot be read or parsed.",
        ("file-", "yaml-"),
    ),
    (
        "Profiles and settings",
        "A profile or `acct-tool.yaml` does not match its JSON Schema (`acct-tool schema party`, "
        "`acct-tool schema settings`), or the books are laid out wrongly.",
        (
            "not-a-mapping",
            "unknown-key",
            "missing-key",
            "wrong-type",
            "bad-value",
            "out-of-range",
            "invalid-",
            "id-mismatch",
            "duplicate-id",
            "unknown-stakeholder",
            "profiles-missing",
            "ledger-missing",
        ),
    ),
    (
        "Ledger",
        "Beancount's own errors, exactly as `bean-check` reports them, with their file and line.",
        ("ledger-",),
    ),
    (
        "Drafts",
        "Entries that still look like drafts: flagged `!`, or posting to the uncategorised account (`check`).",
        ("draft-entry",),
    ),
    (
        "Profiles against the ledger",
        "The profiles and the ledger disagree.",
        ("account-", "missing-receivable", "missing-payable", "currency-mismatch", "empty-root"),
    ),
    (
        "Receivables and payables",
        "Invoices, bills and payments that do not add up (`reconcile ar`, `reconcile ap`, and `check`).",
        (
            "ar-",
            "ap-",
            "unnumbered-document",
            "duplicate-document",
            "unknown-document",
            "overpaid-document",
            "payment-before-document",
            "document-",
            "unassigned-posting",
            "ambiguous-party",
            "credit-limit",
            "tie-out",
        ),
    ),
    (
        "Invoices and credit notes",
        "The transaction that issues an invoice or credit note does not add up as a document (`invoice`).",
        ("invoice-",),
    ),
    (
        "Bank statements",
        "A bank statement cannot be read with its format (`reconcile bank`).",
        ("statement-", "bank-"),
    ),
    (
        "Report templates",
        "A report template (built in, or overridden in the books' `templates/`) cannot be rendered.",
        ("template-",),
    ),
)

OTHER = ("Other", "Codes not yet sorted into a section.", ())

INTRO = """\
# Diagnostics

Every problem acct-tool finds in the books is a *diagnostic*: a severity, a
stable code, a message, and where the problem is (file, line and column where
known, relative to the books folder), sometimes with a hint. `acct-tool check`
reports all of them at once, sorted by file and line:

```console
$ acct-tool check
clients/acme.yaml:7:7: error bad-value tier: 'gold' is not one of key, strategic, standard
ledger/2026.beancount:212: warning account-no-profile Assets:Receivable:Zeta has postings but no profile claims it as its receivable account
    hint: add a profile with accounts.receivable: Assets:Receivable:Zeta
1 error, 1 warning in 2 files
```

- `--format json` prints an array of objects with `severity`, `code`,
  `message`, `file`, `line`, `column` and `hint` (`null` when unknown).
- `--format github` prints GitHub Actions annotations
  (`::error file=…,line=…,col=…,title=CODE::message`), with file paths relative
  to the working directory, so that problems show up on the pull request.

Exit status: 0 when there are no errors (warnings are allowed), 1 when there
are errors, 2 when the command cannot start (no books folder found, a folder
that cannot be read, a bad option). `--strict` makes warnings fail too.

The books folder is `--books DIR`, else `$ACCT_TOOL_BOOKS`, else the nearest
folder holding `acct-tool.yaml`, walking up from the working directory.

The codes below are stable: scripts may rely on them. The severity is the
default one. This page is generated from the code
(`python -m acct_tool.render.codes_doc > docs/diagnostics.md`); do not edit it by hand.
"""


def group_of(code: str) -> str:
    """The title of the section that documents ``code``."""
    for title, _about, members in GROUPS:
        if any(code == m or (m.endswith("-") and code.startswith(m)) for m in members):
            return title
    return OTHER[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(codes: Mapping[str, Code]) -> str:
    """The Markdown page documenting ``codes``: the intro, then one table per section."""
    sections: dict[str, list[str]] = {}
    for name in codes:
        sections.setdefault(group_of(name), []).append(name)
    parts = [INTRO]
    for title, about, _members in (*GROUPS, OTHER):
        names = sections.get(title)
        if not names:
            continue
        rows = [f"| `{name}` | {codes[name].severity.value} | {_cell(codes[name].summary)} | {_cell(codes[name].example)} |" for name in names]
        parts.append(f"## {title}\n\n{about}\n\n| Code | Severity | Meaning | Example |\n|------|----------|---------|---------|\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def main() -> None:
    print(render(CODES), end="")


if __name__ == "__main__":
    main()
