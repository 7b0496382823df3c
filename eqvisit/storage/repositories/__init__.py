"""Repositories: queries over one session. They never commit; the caller's unit of work does."""
