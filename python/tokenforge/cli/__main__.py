"""`python -m tokenforge.cli ...` runs the command line."""

import sys

from tokenforge.cli.main import main

sys.exit(main())
