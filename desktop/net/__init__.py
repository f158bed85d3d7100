"""HTTP to the server (sign-in, sync transport); never holds the database."""
