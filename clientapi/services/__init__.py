"""Every write of the borrower API, by topic: one typed, keyword-only function per action."""
