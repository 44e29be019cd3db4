"""VAE Latent Explorer: ``streamlit run explorer_app.py`` (or ``vae-explorer app``).

The app lives in the ``explorer`` package beside this file, its pages in ``pages/``.
This script sets up the navigation and the shared frame, then runs the chosen page.
"""

from explorer import frame

frame.run()
