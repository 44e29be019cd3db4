"""Comparing codes and models: interpolation, ELBO vs MMD (with the seed study), latent
arithmetic judged by the classifier."""
