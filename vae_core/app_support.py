"""Streamlit glue for the explorer: cache wrappers, shared session state, small widgets.

The only ``vae_core`` module that imports Streamlit. Heavy objects (models,
datasets, the training pool) go through ``st.cache_resource``; arrays and
figures through ``st.cache_data``. Pages call these and ``vae_core``'s pure
functions, and never import torch.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vae_core.config import MODEL_LABELS
from vae_core.data import CLASS_NAMES, load_dataset
from vae_core.jobs import JobManager
from vae_core.latent import data_extent, decode_grid, encode_dataset
from vae_core.metrics import coverage_map
from vae_core.store import CheckpointError, list_checkpoints, load_model, resolve_checkpoint
from vae_core.viz import latent_map, mosaic_source, text_thumbnail

logger = logging.getLogger(__name__)

DATASET_LABELS = {"mnist": "MNIST digits", "fashion-mnist": "Fashion-MNIST clothes"}
HOVER_IMAGE_LIMIT = 5000  # points beyond which hover drawings would make the map too heavy to send
STATE_DATASET = "dataset"
STATE_MODEL = "model_name"
TOUR = (
    ("pages/1_Train_live.py", "Train a model and watch its latent space organise itself"),
    ("pages/2_Latent_map.py", "Click anywhere in the latent plane to decode it"),
    ("pages/3_Interpolate.py", "Walk between two images through latent space"),
    ("pages/4_ELBO_vs_MMD.py", "Compare how the two objectives lay out the same data"),
    ("pages/5_Projections.py", "t-SNE / UMAP / PCA views of wider latent spaces and pixels"),
    ("pages/6_Beta_lambda.py", "Slide β or λ and watch the trade-off between reconstruction and prior"),
)


def frame() -> None:
    """What every page shares: page settings, a shared link's state, the sidebar picker."""
    st.set_page_config(page_title="VAE Latent Explorer", page_icon=":material/explore:", layout="wide")
    apply_link()
    st.sidebar.markdown("### What to explore")
    entry = select_model()
    st.query_params.from_dict({"model": entry.name} if entry else {})
    if st.session_state.get("link_warning"):
        st.sidebar.warning(st.session_state.pop("link_warning"))


# --- shared links ------------------------------------------------------------------

POINT_LIMIT = 50.0  # |coordinate| accepted from a link; the prior puts almost nothing beyond 5


def parse_point(text: str | None) -> list[float] | None:
    """'x,y' from a URL -> [x, y], or None when absent or not two finite numbers in range."""
    if not text:
        return None
    parts = str(text).split(",")
    if len(parts) != 2:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if not all(math.isfinite(v) and abs(v) <= POINT_LIMIT for v in values):
        return None
    return values


def format_point(point) -> str:
    return ",".join(f"{float(v):.4g}" for v in point[:2])


def apply_link() -> None:
    """On a session's first run, restore dataset, model, clicked point and interpolation
    endpoints from the URL (?model=<name>&z=x,y&a=x,y&b=x,y). Anything unusable is
    ignored with a warning in the sidebar, never an error."""
    state = st.session_state
    if state.get("link_applied"):
        return
    state["link_applied"] = True
    params = st.query_params
    problems = []
    name = params.get("model")
    entry = find_entry(name) if name else None
    if name and entry is None:
        problems.append("the link's model is not on this server")
    if entry is not None:
        state[STATE_DATASET], state[STATE_MODEL] = entry.dataset, entry.name
        state["map_model"] = state["interp_model"] = entry.name
    z = parse_point(params.get("z"))
    if params.get("z") and z is None:
        problems.append("the link's point is not two numbers between -50 and 50")
    if z is not None:
        state["map_z"], state["map_source"] = z, "the shared link's point"
        state["cmp_z"] = z
    a, b = parse_point(params.get("a")), parse_point(params.get("b"))
    if a is not None and b is not None:
        state["interp_points"], state["interp_source"] = [a, b], "Two clicks on the latent map"
    elif params.get("a") or params.get("b"):
        problems.append("the link's interpolation endpoints are not usable")
    if problems:
        state["link_warning"] = "Shared link: " + "; ".join(problems) + ". Showing the defaults instead."


def share_control(container=None, **extra: str) -> None:
    """Put page-specific values into the URL and show the link with a copy button."""
    for key, value in extra.items():
        st.query_params[key] = value
    url = st.context.url or ""
    query = "&".join(f"{k}={v}" for k, v in st.query_params.to_dict().items())
    target = container if container is not None else st.sidebar
    with target.popover("Share this view", icon=":material/link:"):
        st.caption("Anyone who opens this link sees this page, model and point:")
        st.code(f"{url}?{query}" if query else url, language=None)


def ensure_frame() -> None:
    """Make sure a page runs with the shared frame, whichever way it was reached.

    Until ``st.navigation`` has run once in a server process, Streamlit treats the
    ``pages/`` folder as a legacy multipage app: a first visit straight to a page
    URL (a shared link after a restart) runs that page without explorer_app.py.
    Each page calls this first; when the frame's picker is missing from this very
    run, it draws the frame itself and switches the server to explorer_app.py's
    navigation for every later run.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    keys = getattr(getattr(ctx, "shared", None), "widget_user_keys_this_run", None)
    if keys is not None and FRAME_WIDGET_KEY in keys:
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
    except ImportError:  # a Streamlit without the legacy mode
        pass
    frame()


@dataclass(frozen=True)
class ModelEntry:
    """One stored checkpoint as the pickers show it."""

    name: str
    dataset: str
    model: str
    label: str
    latent_dim: int
    shipped: bool
    metrics: dict

    @property
    def title(self) -> str:
        origin = "shipped" if self.shipped else "trained here"
        return f"{self.label} · {self.latent_dim}-D · {origin}"


@st.cache_data(ttl=5, show_spinner=False)
def model_entries() -> list[ModelEntry]:
    """Every valid checkpoint (shipped first); refreshed every few seconds so that
    a finished training shows up in every page's picker."""
    from vae_core.paths import shipped_checkpoints_dir

    shipped_root = shipped_checkpoints_dir().resolve()
    entries = []
    for info in list_checkpoints():
        entries.append(
            ModelEntry(
                name=info.name,
                dataset=info.train_config.dataset,
                model=info.model_config.model,
                label=info.model_config.label,
                latent_dim=info.model_config.latent_dim,
                shipped=info.path.resolve().parent == shipped_root,
                metrics=info.metrics,
            )
        )
    return sorted(entries, key=lambda e: (not e.shipped, e.dataset, list(MODEL_LABELS).index(e.model), e.latent_dim, e.name))


def find_entry(name: str | None) -> ModelEntry | None:
    return next((e for e in model_entries() if e.name == name), None)


def entries_for(dataset: str, model: str | None = None, latent_dim: int | None = None) -> list[ModelEntry]:
    return [
        e
        for e in model_entries()
        if e.dataset == dataset and (model is None or e.model == model) and (latent_dim is None or e.latent_dim == latent_dim)
    ]


def default_entry(dataset: str, model: str = "vae", latent_dim: int = 2) -> ModelEntry | None:
    """The shipped model of that kind if present, else any stored one of that kind."""
    candidates = entries_for(dataset, model, latent_dim)
    return candidates[0] if candidates else None


@st.cache_resource(max_entries=24, show_spinner="Loading model…")
def get_model(name: str):
    """A loaded model, shared read-only by every session."""
    return load_model(resolve_checkpoint(name))


@st.cache_resource(show_spinner="Loading dataset…")
def get_dataset(name: str, split: str):
    return load_dataset(name, split)


@st.cache_data(max_entries=24, show_spinner="Encoding the dataset…")
def encoded(name: str, split: str = "test") -> dict:
    """Means, log-variances (or None) and labels of a split, for a checkpoint."""
    model = get_model(name)
    result = encode_dataset(model, get_dataset(model.train_config.dataset, split))
    return {"mu": result.mu, "logvar": result.logvar, "labels": result.labels}


@st.cache_data(max_entries=24, show_spinner=False)
def map_extent(name: str) -> tuple[float, float, float, float]:
    """The plotted rectangle: where the test codes lie, made square so that circles
    look round, and never smaller than the prior's 2-sigma disc."""
    x_min, x_max, y_min, y_max = data_extent(encoded(name)["mu"])
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    half = max(x_max - x_min, y_max - y_min, 4.4) / 2
    return (cx - half, cx + half, cy - half, cy + half)


@st.cache_data(max_entries=48, show_spinner="Decoding the latent grid…")
def grid_mosaic(name: str, extent: tuple[float, float, float, float], n: int, label: int | None = None) -> str:
    """The decoded manifold under a map, ready to draw (a PNG data URI)."""
    return mosaic_source(decode_grid(get_model(name), extent, n, label).mosaic)


@st.cache_data(max_entries=24, show_spinner=False)
def empty_cells(name: str, extent: tuple[float, float, float, float], n: int) -> np.ndarray:
    return coverage_map(encoded(name, "train")["mu"], extent, n)["empty"]


@st.cache_data(max_entries=24, show_spinner=False)
def replay_codes(name: str) -> np.ndarray | None:
    """The per-epoch codes stored with a checkpoint ([epochs, n, d]), if it has them."""
    from vae_core.replay import read_replay

    return read_replay(resolve_checkpoint(name))


@st.cache_data(max_entries=4, show_spinner=False)
def thumbnails(dataset: str, count: int) -> list[str]:
    """Hover-label drawings of the first ``count`` test images."""
    images = get_dataset(dataset, "test").images[:count, 0].numpy()
    return [text_thumbnail(image) for image in images]


@st.cache_resource(max_entries=32, show_spinner=False)
def map_figure(
    name: str,
    n_points: int,
    grid_n: int,
    *,
    mosaic: bool = True,
    label: int | None = None,
    shade_empty: bool = False,
    prior_circles: bool = False,
    hover_images: bool = True,
    density: bool = False,
    ellipses: tuple[tuple[float, float, float, float], ...] = (),
    selected: tuple[float, float] | None = None,
):
    """The Latent map page's figure for a model and its display options.

    Built once and shared by every session: a click reruns the page's fragment, and
    rebuilding this figure (thousands of points with hover drawings) was most of a
    click's server time. Callers must not modify it; ``st.plotly_chart`` copies it."""
    codes = encoded(name)
    dataset = get_model(name).train_config.dataset
    extent = map_extent(name)
    return latent_map(
        codes["mu"][:n_points, :2],
        codes["labels"][:n_points],
        class_names(dataset),
        extent,
        mosaic=grid_mosaic(name, extent, grid_n, label) if mosaic else None,
        empty_cells=empty_cells(name, extent, grid_n) if shade_empty else None,
        prior_circles=prior_circles,
        thumbnails=thumbnails(dataset, n_points) if hover_images and n_points <= HOVER_IMAGE_LIMIT else None,
        selected=selected,
        ellipses=list(ellipses),
        density=density,
    )


def class_names(dataset: str) -> tuple[str, ...]:
    return CLASS_NAMES[dataset]


@st.cache_resource
def job_manager() -> JobManager:
    """The one training pool of this server, shared by every session."""
    return JobManager()


FRAME_WIDGET_KEY = "sidebar_model_dataset"  # present in every run that drew the frame


def select_model(widget_key: str = "sidebar_model") -> ModelEntry | None:
    """The sidebar's dataset and model pickers (kept in session state, shared by all pages)."""
    entries = model_entries()
    datasets = [d for d in DATASET_LABELS if any(e.dataset == d for e in entries)] or list(DATASET_LABELS)
    state = st.session_state
    if state.get(STATE_DATASET) not in datasets:
        state[STATE_DATASET] = datasets[0]
    # The widgets mirror the shared state, so a page (or a link) that changes the
    # model moves the pickers too.
    dataset_key, model_key = f"{widget_key}_dataset", f"{widget_key}_name"

    def dataset_changed() -> None:
        state[STATE_DATASET] = state[dataset_key]
        state.pop(STATE_MODEL, None)

    def model_changed() -> None:
        state[STATE_MODEL] = state[model_key]

    state[dataset_key] = state[STATE_DATASET]
    dataset = st.sidebar.selectbox(
        "Dataset", datasets, format_func=DATASET_LABELS.get, key=dataset_key, on_change=dataset_changed
    )
    choices = entries_for(dataset)
    if not choices:
        st.sidebar.info("No model for this dataset yet: train one on the **Train live** page.")
        return None
    names = [e.name for e in choices]
    if state.get(STATE_MODEL) not in names:
        fallback = default_entry(dataset)
        state[STATE_MODEL] = fallback.name if fallback else names[0]
    by_name = {e.name: e for e in choices}
    state[model_key] = state[STATE_MODEL]
    name = st.sidebar.selectbox(
        "Model",
        names,
        format_func=lambda n: by_name[n].title,
        key=model_key,
        on_change=model_changed,
        help="Shipped models and every model trained on this server.",
    )
    state[STATE_MODEL] = name
    return by_name[name]


def current_entry() -> ModelEntry | None:
    """The model chosen in the sidebar, or None."""
    return find_entry(st.session_state.get(STATE_MODEL))


def require_model(entry: ModelEntry | None, min_dim: int = 1) -> ModelEntry:
    """Stop the page with a helpful message when there is no usable model."""
    if entry is None:
        st.info("Pick a model in the sidebar, or train one on the **Train live** page.")
        st.stop()
    if entry.latent_dim < min_dim:
        st.info(f"This page needs a latent space of at least {min_dim} dimensions; {entry.title} has {entry.latent_dim}.")
        st.stop()
    try:
        get_model(entry.name)
    except CheckpointError as error:
        st.error(f"This model cannot be opened: {error}")
        st.stop()
    return entry


def metric_row(entry: ModelEntry) -> dict:
    """Headline numbers of a checkpoint from its stored metrics (no recomputation)."""
    test = entry.metrics.get("test", {})
    latent = entry.metrics.get("latent", {})
    return {
        "model": entry.label,
        "latent dim": entry.latent_dim,
        "test -ELBO (nats)": test.get("neg_elbo"),
        "recon error (MSE)": test.get("recon_mse"),
        "5-NN accuracy": latent.get("knn5_accuracy"),
        "NMI": latent.get("nmi_kmeans10"),
        "MMD to prior": latent.get("mmd_to_prior"),
        "prior holes": latent.get("prior_holes"),
    }
