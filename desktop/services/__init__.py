"""Use cases of the client (no Qt): each takes a SQLAlchemy Session and runs on a task lane."""
