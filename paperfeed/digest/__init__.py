"""E-mail digests: compose (pure) → render (templates) → send (SMTP), with a delivery ledger."""
