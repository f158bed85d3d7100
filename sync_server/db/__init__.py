"""Server-side database: engine factory and server-only tables (beside common's schema)."""
