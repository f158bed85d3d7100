"""The sync server: FastAPI + SQLAlchemy 2 over SQLite (embedded default) or PostgreSQL."""
