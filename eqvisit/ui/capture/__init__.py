"""Capture on the day: guided session capture, lay observations, the coverage board, redaction."""
