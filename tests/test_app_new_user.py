"""What a new user tripped over, each checked under AppTest: tables that read well, forms
that show only what matters, guards that speak before training, state that does not stick."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.core import caches
from explorer.core.catalog import MISSING, Catalog
from tests.drivers.browser import ROOT
from tests.test_app import APP, open_page, texts, train_tiny
from vae_core.data.images import png_bytes
from vae_core.experiments.pretrain import CATALOG

SHIPPED = {(e.dataset, e.role): e.name for e in CATALOG}


def test_the_home_table_reads_well():
    at = open_page()
    table = at.dataframe[0].value
    assert not table.isin(["None"]).any().any() and not table.isna().any().any()
    wide = table[table["model"].str.contains("10-D")]
    # calibrated against the prior, the hole measure means the same in 10-D: shown, as a share
    assert len(wide) == 2 and wide["prior holes"].map(lambda v: 0 <= float(v) <= 1).all()
    assert (
        table[table["model"].str.startswith("Autoencoder")]["test -ELBO (nats)"] == MISSING
    ).all()
    shipped = table[table["origin"] == "shipped"]
    family = r"β=(?:0\.25|0\.5|2|4|8)\)|λ=(?:10|30|100|1000|3000)\)"
    # the families live on their page
    assert len(shipped) == 14 and not shipped["model"].str.contains(family).any()
    assert "calibrated against the prior's own samples" in "\n".join(c.value for c in at.caption)


def test_the_train_form_shows_only_what_the_model_uses():
    at = open_page("pages/1_Train_live.py")
    shown = lambda: {w.key for w in at.number_input} | {w.key for w in at.selectbox}  # noqa: E731
    assert not {"train_beta", "train_mmd_weight", "train_mmd_kernel"} & shown()
    at.selectbox(key="train_kind").set_value("beta-vae").run()
    assert "train_beta" in shown() and not {"train_mmd_weight", "train_mmd_kernel"} & shown()
    at.selectbox(key="train_kind").set_value("mmd-vae").run()
    assert {"train_mmd_weight", "train_mmd_kernel"} <= shown() and "train_beta" not in shown()
    assert "maximum mean discrepancy" in texts(at)  # the kind's one-line summary


def test_a_network_too_large_for_memory_is_refused_before_training():
    at = open_page("pages/1_Train_live.py")
    at.text_input(key="train_hidden").set_value("100000,100000")
    at.button(key="FormSubmitter:train_form-Train").click().run()
    assert not at.exception
    message = next(e.value for e in at.error)
    assert "weights" in message and "GB of memory" in message and "smaller hidden widths" in message
    assert "train_job" not in at.session_state


@pytest.mark.slow
def test_a_bad_form_clears_the_last_result_and_models_can_be_named():

    at, snapshot = train_tiny("16")
    assert snapshot.status == "done"
    at.run()
    assert any("stored as" in s.value for s in at.success)
    at.text_input(key="train_name").set_value("my first VAE")
    at.button(key="FormSubmitter:train_name_form-Save the name").click().run()
    assert any("Named" in s.value for s in at.success)
    caches.catalog.clear()
    at.run()
    assert any(
        o.startswith("my first VAE · VAE (ELBO) · 2-D")
        for o in at.sidebar.selectbox(key="sidebar_model_name").options
    )
    at.text_input(key="train_hidden").set_value("16, x")
    at.button(key="FormSubmitter:train_form-Train").click().run()
    assert any("hidden layer widths" in e.value for e in at.error)
    # the old result no longer sits under the error
    assert not any("stored as" in s.value for s in at.success)


def test_models_of_one_kind_are_told_apart(tmp_path):
    from vae_core.models.config import ModelConfig, TrainConfig
    from vae_core.models.networks import build_model
    from vae_core.store.checkpoints import save_model

    for epochs, hidden in ((5, (32,)), (12, (32,)), (12, (64,))):
        save_model(
            build_model(ModelConfig(hidden_sizes=hidden)), TrainConfig(epochs=epochs), tmp_path
        )
    from explorer.core.catalog import entry_from_info
    from vae_core.store.checkpoints import list_checkpoints

    entries = Catalog(
        [entry_from_info(info, ROOT / "checkpoints") for info in list_checkpoints([tmp_path])]
    ).entries
    titles = [e.title for e in entries]
    assert len(set(titles)) == 3, titles
    assert all(
        t.startswith("VAE (ELBO) · 2-D · ") and t.endswith(" · trained here") for t in titles
    )
    # Epochs first: a picker shows about 35 characters, and they tell these apart soonest.
    assert {"5 epochs · 32 MLP", "12 epochs · 32 MLP", "12 epochs · 64 MLP"} == {
        " · ".join(t.split(" · ")[2:4]) for t in titles
    }


def test_pickers_sort_weights_as_numbers_and_mark_stopped_runs(tmp_path):
    from explorer.core.catalog import entry_from_info
    from vae_core.models.config import ModelConfig, TrainConfig
    from vae_core.models.networks import build_model
    from vae_core.store.checkpoints import list_checkpoints, save_model

    for weight in (1000.0, 30.0, 100.0, 10.0):
        save_model(
            build_model(ModelConfig(model="mmd_vae", mmd_weight=weight)),
            TrainConfig(epochs=3),
            tmp_path,
        )
    stopped = {
        "training": {"stop_reason": "stopped", "epochs_requested": 10, "epochs_completed": 2}
    }
    save_model(
        build_model(ModelConfig(hidden_sizes=(16,))),
        TrainConfig(epochs=2),
        tmp_path,
        metrics=stopped,
    )
    entries = Catalog(
        [entry_from_info(info, ROOT / "checkpoints") for info in list_checkpoints([tmp_path])]
    ).entries
    mmd = [e.title.split(" · ")[0] for e in entries if e.kind.objective == "mmd_vae"]
    assert mmd == ["MMD-VAE (λ=10)", "MMD-VAE (λ=30)", "MMD-VAE (λ=100)", "MMD-VAE (λ=1000)"]
    assert any("2 of 10 epochs, stopped" in e.title for e in entries if e.kind.objective == "vae")


def test_a_point_far_outside_the_codes_is_called_so():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"model": SHIPPED["mnist", "vae-10d"], "z": "49,-49"})
    at.run()
    at.switch_page("pages/2_Latent_map.py").run()
    assert not at.exception
    assert any("far outside the codes" in w.value for w in at.warning)


def test_a_refused_upload_takes_the_last_image_off_the_map():
    from vae_core.data.datasets import load_arrays

    at = open_page("pages/2_Latent_map.py")
    digit = load_arrays("mnist", "test")[0][3]
    at.get("file_uploader")[0].upload("digit.png", png_bytes(255 - digit), "image/png").run()
    assert "your image's posterior mean" in texts(at)
    assert at.session_state["map_placed"] is not None
    at.get("file_uploader")[0].upload("notes.png", b"not a picture", "image/png").run()
    assert not at.exception
    assert any("not an image this app can read" in e.value for e in at.error)
    assert at.session_state["map_placed"] is None  # no ellipse of the old image
    assert "Click anywhere on the map" in texts(at)  # and no star at its place


def test_the_conditional_vae_draws_every_class_with_its_name():
    at = open_page()
    cvae = next(
        o
        for o in at.sidebar.selectbox(key="sidebar_model_name").options
        if o.startswith("Conditional VAE")
    )
    at.sidebar.selectbox(key="sidebar_model_name").select(cvae).run()
    at.switch_page("pages/2_Latent_map.py").run()
    at.button(key="map_random").click().run()
    strip = next(i for i in at.get("image") if len(i.proto.imgs) == 10)
    assert [image.caption for image in strip.proto.imgs] == [str(d) for d in range(10)]
    assert np.all([image.url for image in strip.proto.imgs])
