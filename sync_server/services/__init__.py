"""Use cases of the server: no FastAPI here, callers pass a Session and commit."""
