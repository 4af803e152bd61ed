"""The only writers: atomic writes, profile edits (log, done), scaffolds and drafts."""
