"""The documents a borrower signs and a court reads: terms, Russian formatting, rendering to PDF
(WeasyPrint from Django templates) and their immutable storage."""
