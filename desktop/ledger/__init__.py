"""The command line of the 一张表 assistant and the ledgers: `python -m desktop.ledger …`."""
