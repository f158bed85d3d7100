"""The visits page of the desktop client."""
