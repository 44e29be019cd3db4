"""The app's pages: script, title, icon, and what the Home page's tour says of each."""

PAGES = (  # script, title, icon, what the tour says of it
    (
        "pages/1_Train_live.py",
        "Train live",
        ":material/model_training:",
        "Train a model and watch its latent space organise itself",
    ),
    (
        "pages/2_Latent_map.py",
        "Latent map",
        ":material/map:",
        "Move over the latent plane and watch each point decode; pin, drag, draw your own, "
        "publish it as a web page",
    ),
    (
        "pages/3_Interpolate.py",
        "Interpolate",
        ":material/timeline:",
        "Drag a path between two points and watch the image morph",
    ),
    (
        "pages/4_ELBO_vs_MMD.py",
        "ELBO vs MMD",
        ":material/compare:",
        "Compare how the two objectives lay out the same data",
    ),
    (
        "pages/5_Projections.py",
        "Projections",
        ":material/scatter_plot:",
        "t-SNE / UMAP / PCA views of wider latent spaces and pixels",
    ),
    (
        "pages/6_Beta_lambda.py",
        "β / λ sweep",
        ":material/tune:",
        "Slide β or λ and watch the trade-off between reconstruction and prior",
    ),
    (
        "pages/7_Latent_arithmetic.py",
        "Latent arithmetic",
        ":material/calculate:",
        "Add class-mean arrows to codes, solve analogies, see where 2-D fails",
    ),
)
