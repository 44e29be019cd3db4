"""What a trained model's latent space holds: encoding and decoding, paths and distances,
metrics, projections, planes through wide spaces, class-mean arithmetic, and the small
classifier that judges decoded images."""
