"""The central store: a FastAPI app over SQLAlchemy (SQLite default, PostgreSQL in production)."""
