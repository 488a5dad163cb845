"""``python -m sim.metrics``: print the README's table of monthly columns."""

import sys

from sim.metrics import markdown_table

sys.stdout.write(markdown_table())
