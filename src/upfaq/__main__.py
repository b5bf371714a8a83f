"""`python -m upfaq`: the same as the `upfaq` command."""

import sys

from upfaq.cli import main

if __name__ == "__main__":
    sys.exit(main(prog_name="upfaq"))
