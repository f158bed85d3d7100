"""Entry point: `python -m desktop.ledger fill|complete|check|export|import|types …`."""
import sys

from .cli import main

sys.exit(main())
