"""Run pm as ``python -m pm``."""

from pm.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
