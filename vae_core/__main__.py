"""``python -m vae_core``: the command line."""

import sys

from vae_core.cli import main

sys.exit(main())
