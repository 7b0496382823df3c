"""Sync with the central store: wire protocol, merge rule, client and server (DESIGN §4)."""
