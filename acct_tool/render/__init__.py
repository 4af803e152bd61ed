"""Rendering: turn engine results into text, tables, JSON, CSV, Markdown or HTML; the Jinja sandbox, filters and charts. No I/O of their own."""
