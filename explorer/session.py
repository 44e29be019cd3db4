"""Names of the session-state values that more than one module reads or writes.

Widget keys are prefixed by their page (``map_``, ``interp_``, ``cmp_``, ``train_``,
``proj_``, ``sweep_``); the values below are shared between the frame, share links and
the pages that restore them.
"""

DATASET = "dataset"  # the sidebar's dataset
MODEL = "model_name"  # the sidebar's model (a checkpoint name)
MAP_MODEL, MAP_POINT, MAP_SOURCE = "map_model", "map_z", "map_source"  # Latent map: model shown, point, where it came from
MAP_PIN = "map_pin_token"  # Latent map: counts the server's moves of the point (the canvas applies each once)
COMPARE_POINT = "cmp_z"  # ELBO vs MMD: the point both decoders show
INTERP_MODEL, INTERP_POINTS, INTERP_SOURCE = "interp_model", "interp_points", "interp_source"  # Interpolate: clicked ends
LINK_APPLIED, LINK_WARNING = "link_applied", "link_warning"  # a shared link was read; what was wrong with it
