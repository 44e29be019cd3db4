"""The Streamlit app around :mod:`vae_core`, grouped by feature; everything that knows about
Streamlit lives here.

- :mod:`explorer.core`: the sidebar (navigation, pickers, guards), the catalogue, what every
  session shares once loaded, the session's View and share links, the Home page, memory
- :mod:`explorer.canvas`: the latent canvas component (its browser side is ``frontend/``)
- :mod:`explorer.maps`: decoded points and neighbours, placed pictures and samples, map
  figures, planes and traversals, projections, the classifier lens
- :mod:`explorer.comparisons`: interpolation, ELBO vs MMD, latent arithmetic
- :mod:`explorer.classroom`: the room panel, rooms (memory or Redis), the live channel
- :mod:`explorer.training`: Train live, step-by-step training, the β / λ families
- :mod:`explorer.launch`: the ``vae-explorer`` command (``python -m explorer`` starts the app)

Pages in ``pages/`` import this package and :mod:`vae_core.viz` only.
"""

from explorer.core import allocator

allocator.fewer_malloc_arenas()
