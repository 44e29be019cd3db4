"""``python -m explorer [streamlit run options]``: start the explorer in the browser;
``python -m explorer publish MODEL --out PAGE.html``: a model's map as one web page."""

import sys

if sys.argv[1:2] == ["publish"]:
    from explorer.standalone.command import main

    raise SystemExit(main(sys.argv[2:]))

from explorer.launch import run_app

raise SystemExit(run_app(sys.argv[1:]))
