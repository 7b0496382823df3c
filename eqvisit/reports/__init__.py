"""PDF reports (ReportLab) and action-plan exports (CSV/XLSX): pure functions of plain data.

Nothing here reads the database; services build the data (``reports.data``) and store what
comes out.
"""
