"""Bank statements as banks send them: OFX/QFX, ISO 20022 CAMT.053, SWIFT MT940, and
whatever a beangulp importer reads, each into the same :class:`StatementLine` records
as a CSV statement (``acct_tool.engines.statements``).

Every reader takes the file's bytes and returns a :class:`ParsedStatement`; bad
input is a diagnostic with the file and line (and, for XML, the element's path),
never an exception.
"""

from __future__ import annotations

from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine

#: The formats read by code rather than by a CSV column mapping.
BUILTIN_FORMATS = ("ofx", "camt053", "mt940", "beangulp")

__all__ = ["BUILTIN_FORMATS", "ParsedStatement", "StatementLine"]
