"""Spreadsheets as people keep them: the fields a header can name, header recognition, cell
reading (shared by the desktop assistant and the server's batch import)."""
