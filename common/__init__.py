"""Shared by the desktop client and the sync server: schema, validation, sync protocol and merge.

Pure: never opens a database, file or socket, and never reads the clock except through a `now`
it is given. Never imports `desktop` or `sync_server`.
"""
