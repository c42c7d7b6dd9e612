"""The demo: products, one staff account per role, and a synthetic book with a believable past.

The top floor: it drives the loan services (and the card's) like the world would, and nothing
below imports it. `manage.py seed_demo` loads it, `manage.py demo_accounts` shows the accounts.

- `accounts`: the four staff accounts and the saved demo password;
- `products`: the demo's products;
- `people`: synthetic people (names, regions, work, income), their personas and borrower records;
- `applications`: applying, the scoring robot's decision, the underwriter's review, the offer;
- `servicing`: payouts, how a borrower repays, prolongation, refunds of overpayments;
- `collection`: borrowers who stop paying; the collector's calls, texts and promises,
  restructuring, the hand-over to legal and write-off;
- `feedback`: the surveys after a repaid loan and the borrowers' answers;
- `cards`: the virtual card some loyal borrowers take and use;
- `live`: while the demo runs, applicants keep arriving so the review queue stays fresh;
- `simulator`: the clock, the event queue, the walk from day to day and its report;
- `portfolio`: `generate_portfolio`, the one entry point, and its preconditions.
"""
