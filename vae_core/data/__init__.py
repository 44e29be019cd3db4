"""The bottom layer: where files live, the datasets as numpy arrays, image grids and GIFs,
and pictures prepared as 28 x 28 inputs. Imports nothing else from vae_core."""
