"""The payment engine: one rule kernel, a batch driver over whole histories, the ledger."""
