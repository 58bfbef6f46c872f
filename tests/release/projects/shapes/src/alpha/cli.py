"""The fixture's console script."""

import argparse
from typing import List, Optional

from alpha import __version__


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="shapes-fixture")
    parser.add_argument("--version", action="version", version=__version__)
    parser.parse_args(argv)
    return 0
