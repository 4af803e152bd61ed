"""Views: turn engine results into text, tables, JSON, CSV, Markdown or HTML. No I/O of their own."""
