"""The worklog page of the desktop client."""
