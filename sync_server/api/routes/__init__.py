"""Routers of the server's HTTP API."""
