"""``acct-tool reconcile bank``: statement lines against ledger postings."""
