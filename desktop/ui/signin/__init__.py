"""Sign-in: first online against the server, then offline with the same password."""
