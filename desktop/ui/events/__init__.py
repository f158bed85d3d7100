"""The events page of the desktop client."""
