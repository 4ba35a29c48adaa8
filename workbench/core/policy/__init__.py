"""The approval policy: modes, rules, shell analysis, grants ledger and audit log."""
