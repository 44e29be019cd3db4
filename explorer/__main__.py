"""``python -m explorer [streamlit run options]``: start the explorer in the browser."""

import sys

from explorer.launch import run_app

raise SystemExit(run_app(sys.argv[1:]))
