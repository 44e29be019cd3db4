"""The Streamlit app around :mod:`vae_core`: everything that knows about Streamlit.

- :mod:`explorer.frame`: navigation, the shared sidebar pickers, page guards
- :mod:`explorer.links`: share links (URL state)
- :mod:`explorer.cache`: what sessions share (models, codes, figures, the training pool)
- :mod:`explorer.catalog`: the models this server offers, as pickers show them
- :mod:`explorer.services`: plain results for pages (decoded images, neighbours, uploads,
  interpolation strips, grids)
- :mod:`explorer.training`: the Train live form, jobs and the β / λ families
- :mod:`explorer.home`: the Home page; :mod:`explorer.sitemap`: the list of pages
- :mod:`explorer.memory`: the C allocator told to keep less memory under a class

Pages in ``pages/`` import this package and :mod:`vae_core.viz` only.
"""

from explorer import memory

memory.fewer_malloc_arenas()

