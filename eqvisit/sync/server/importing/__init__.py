"""Imports into the central store: NHS ODS extracts and intelligence CSV files.

Every import runs in the caller's one transaction and writes through the change log
(``server_create_many`` / ``server_write``), so laptops receive the rows at their next sync.
"""
