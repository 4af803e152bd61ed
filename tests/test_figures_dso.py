"""DSO: the window it is measured over is the one asked for, and open means open less unapplied credits."""

from __future__ import annotations

from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli


def test_dso_window_labels_its_column_key_and_footer_with_the_window() -> None:
    table = run_cli("dso", "--window", "30", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert table.exit_code == 0, table.stderr
    assert "invoiced 30d" in table.output and "last 30 days x 30" in table.output
    assert "90" not in table.output.splitlines()[1]
    rows = run_cli("dso", "--window", "30", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    assert "invoiced_30d" in rows[0] and "invoiced_90d" not in rows[0]
    csv = run_cli("dso", "--window", "30", "--format", "csv", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert "invoiced_30d" in csv.output.splitlines()[0]


def test_dso_open_is_open_documents_less_unapplied_credits() -> None:
    """quill-ink has 2,800 USD open and a 300 USD unapplied credit: 2,500 open, as in clients list."""
    rows = run_cli("dso", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    quill = next(r for r in rows if r["party"] == "quill-ink")
    assert quill["open"] == {"number": "2500.00", "currency": "USD"}
    tom = run_cli("dso", "--by", "manager", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    assert next(r for r in tom if r["manager"] == "tom")["open"] == {"number": "66900.00", "currency": "USD"}
