"""The demo county (托克逊县): `generate` fills the shared tables of any database;
`sync_server.demo.server.build_demo_server` makes a complete server database with accounts."""
from .core import Summary, generate

__all__ = ["Summary", "generate"]
