"""Looking at one model's latent space: decoded points and neighbours, uploads, drawings and
samples placed on the map, the map figures, planes through wider spaces, traversals,
projections and the classifier lens."""
