"""eqvisit: offline-first desktop application for NHS education quality visits.

The version is written here, once, and ``pyproject.toml`` reads it (``dynamic``): a literal costs
nothing to import, where asking ``importlib.metadata`` added 25-50 ms to every start of the app.
"""

__version__ = "0.1.0"
