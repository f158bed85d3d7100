"""`make bench`: run every benchmark module in turn."""
import pkgutil
import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    for name in names:
        print(f"== benchmarks.{name}", flush=True)
        runpy.run_module(f"benchmarks.{name}", run_name="__main__")
    sys.exit(0)
