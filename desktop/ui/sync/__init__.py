"""The sync page of the desktop client."""
