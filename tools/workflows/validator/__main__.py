"""Entry point: ``python -m tools.workflows.validator [--root PATH] [--rules]``."""

from tools.common import run_main

from .cli import main

if __name__ == "__main__":
    run_main(main)
