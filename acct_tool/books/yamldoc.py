"""A YAML document as plain data that remembers where every value came from (see
:mod:`acct_tool.books.yamlsource`, which reads one): the record alone, without PyYAML,
so that what only reads parsed documents (a warm command, the schema) does not import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acct_tool.diagnostics import Location

#: A path into a document: mapping keys (str) and sequence indexes (int).
PathT = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Plain data (dict/list/str/int/float/bool/None) plus the marks of every node."""

    file: str
    data: Any
    value_marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathT, *, key: bool = False) -> Location:
        """Location of the value at ``path`` (or of its key), falling back to the nearest parent."""
        marks = self.key_marks if key else self.value_marks
        p = tuple(path)
        while p:
            if p in marks:
                line, col = marks[p]
                return Location(self.file, line, col)
            if key and p in self.value_marks:
                line, col = self.value_marks[p]
                return Location(self.file, line, col)
            p = p[:-1]
        line, col = self.value_marks.get((), (1, 1))
        return Location(self.file, line, col)
