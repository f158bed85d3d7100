"""The qr page of the desktop client."""
