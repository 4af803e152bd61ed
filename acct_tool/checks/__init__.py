"""Named checks over the loaded books, each giving a list of diagnostics."""
