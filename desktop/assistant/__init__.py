"""The 一张表 assistant: fill, complete and check users' spreadsheets from the one database (no Qt)."""
