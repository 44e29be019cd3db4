"""VAE Latent Explorer: ``streamlit run explorer_app.py`` (or ``vae-explorer app``).

The app lives in the ``explorer`` package beside this file, its pages in ``pages/``.
Streamlit imports this file once to find ``app`` (the pages, the classroom's live channel and
the start-up warm-up: ``explorer.app``), then runs it for every page view, where it sets up the
navigation and the shared frame and runs the chosen page.
"""

import streamlit as st

from explorer import app as shell

if __name__ == "__main__":  # a page view
    shell.run()
else:  # the server
    app = st.App(__file__, routes=shell.routes(), lifespan=shell.lifespan)
