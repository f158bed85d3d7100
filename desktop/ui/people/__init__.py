"""People, households (户籍) and organisations pages, the person dialog and record history."""
