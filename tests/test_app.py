"""Every page under Streamlit's AppTest, on the shipped checkpoints."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from explorer.comparisons import elbo_mmd
from explorer.core import caches
from explorer.training import train_live as training
from tests.drivers.browser import ROOT
from vae_core.models.kinds import MMD_VAE

APP = str(ROOT / "explorer_app.py")
PAGES = [
    "pages/1_Train_live.py",
    "pages/2_Latent_map.py",
    "pages/3_Interpolate.py",
    "pages/4_ELBO_vs_MMD.py",
    "pages/5_Projections.py",
    "pages/6_Beta_lambda.py",
    "pages/7_Latent_arithmetic.py",
]


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    )


def test_home_lists_models_and_the_tour():
    at = open_page()
    assert at.title[0].value == "VAE Latent Explorer"
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) >= 5
    assert at.sidebar.selectbox(key="sidebar_model_dataset").value == "mnist"
    assert "VAE (ELBO)" in at.sidebar.selectbox(key="sidebar_model_name").options[0]


def test_dataset_picker_switches_the_model_list():
    at = open_page()
    at.sidebar.selectbox(key="sidebar_model_dataset").set_value("fashion-mnist").run()
    assert not at.exception
    model = at.sidebar.selectbox(key="sidebar_model_name").value
    assert model.startswith("fashion-mnist-vae-2d-")
    at.switch_page("pages/2_Latent_map.py").run()
    assert not at.exception
    assert at.session_state["view"].view.model == model


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_errors(page):
    at = open_page(page)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


def test_latent_map_prior_sample_reset_and_options():
    at = open_page("pages/2_Latent_map.py")
    assert "Click anywhere on the map" in texts(at)
    at.button(key="map_random").click().run()
    assert not at.exception
    assert "a sample from the prior" in texts(at)
    assert len(at.get("image")) == 2  # the decoded image and the strip of nearest neighbours
    downloads = {button.key for button in at.get("download_button")}
    assert downloads == {"map_download_png", "map_download_html", "map_publish"}
    for key in ("map_shade", "map_circles", "map_density"):
        at.toggle(key=key).set_value(True).run()
        assert not at.exception
    at.slider(key="map_ellipses").set_value(20).run()
    assert not at.exception
    at.toggle(key="map_show_mosaic").set_value(False).run()
    at.slider(key="map_points").set_value(1000).run()
    assert not at.exception
    at.button(key="map_reset").click().run()
    assert "Click anywhere on the map" in texts(at)


def test_latent_map_for_a_conditional_vae_offers_classes():
    at = open_page()
    cvae = next(
        o
        for o in at.sidebar.selectbox(key="sidebar_model_name").options
        if o.startswith("Conditional VAE")
    )
    at.sidebar.selectbox(key="sidebar_model_name").select(cvae).run()
    at.switch_page("pages/2_Latent_map.py").run()
    assert not at.exception
    at.radio(key="map_class").set_value(7).run()
    at.button(key="map_random").click().run()
    assert not at.exception and "a sample from the prior" in texts(at)
    assert "**The same z drawn as every class**" in texts(at)
    assert len(at.get("image")) == 3  # decoded, the row of every class, the neighbours


def test_interpolation_warns_about_ends_far_outside_the_codes():
    at = open_page("pages/3_Interpolate.py")
    at.radio(key="interp_source").set_value("clicks").run()
    at.session_state["interp_clicked"] = ((0.0, 0.0), (40.0, -40.0))
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Point B lies far outside the codes") for w in warnings), warnings
    assert not any(w.startswith("Point A") for w in warnings)


def test_interpolation_controls():
    at = open_page("pages/3_Interpolate.py")
    assert "**α = 0.00**" in texts(at)
    alpha = at.select_slider(key="interp_alpha")
    # the slider speaks in α, not in frames
    assert alpha.options[0] == "0.00" and alpha.options[-1] == "1.00"
    alpha.set_value(11).run()
    assert not at.exception and "**α = 1.00**" in texts(at)
    at.radio(key="interp_method").set_value("slerp").run()
    at.slider(key="interp_steps").set_value(8).run()
    assert not at.exception and "**α = 1.00**" in texts(at)  # fewer frames: α stays at the last one
    at.selectbox(key="interp_B_class").set_value(7).run()
    at.toggle(key="interp_play").set_value(True).run()
    assert not at.exception
    assert len(at.get("download_button")) == 2  # the strip (PNG) and the animation (GIF)
    at.radio(key="interp_source").set_value("clicks").run()
    assert "Click two points on the map" in texts(at)


def test_elbo_vs_mmd_shows_both_models_and_the_metrics():
    at = open_page("pages/4_ELBO_vs_MMD.py")
    table = at.table[0].value
    assert "what it means" in table.columns
    assert "5-NN accuracy" in table.index and "MMD to prior" in table.index
    at.toggle(key="cmp_mosaic").set_value(True).run()
    assert not at.exception


def test_elbo_vs_mmd_gives_the_spread_over_seeds():
    at = open_page("pages/4_ELBO_vs_MMD.py")
    spread = at.table[1].value
    assert "verdict" in spread.columns and "5-NN accuracy" in spread.index
    assert all("±" in cell for cell in spread["ELBO VAE"])
    plain = {verdict.removesuffix(" †") for verdict in spread["verdict"]}
    assert plain <= {"no clear difference", "MMD-VAE better", "MMD-VAE worse"}
    # after Holm's correction over the study's 24 comparisons, three seeds resolve none
    assert set(spread["verdict"]) == {"no clear difference"}
    assert all("Holm p" in cell for cell in spread.iloc[:, 2])
    said = texts(at)
    assert "No clear difference** on any metric after Holm's correction" in said
    assert "within seed noise" not in said and "study's 24 comparisons" in said
    assert "One training run of each model (one seed)" in said


@pytest.mark.parametrize(
    "content", [None, "{not json", '{"runs": 3}', '{"runs": [{"dataset": "mnist"}]}']
)
def test_elbo_vs_mmd_without_a_readable_study(tmp_path, monkeypatch, content):

    path = tmp_path / "study.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("VAE_EXPLORER_STUDY", str(path))
    elbo_mmd.study_results.clear()
    try:
        at = open_page("pages/4_ELBO_vs_MMD.py")
        assert len(at.table) == 1 and "No seed study for this dataset yet" in texts(at)
    finally:
        elbo_mmd.study_results.clear()


def test_train_live_says_where_trainings_run_and_warns_when_the_cluster_is_away(monkeypatch):

    monkeypatch.setenv("VAE_EXPLORER_RAY_ADDRESS", "127.0.0.1:9")
    training.job_manager.clear()
    try:
        at = open_page("pages/1_Train_live.py")
        assert any(c.value.startswith("Trainings run on this machine") for c in at.caption)
        assert any("cannot reach the Ray cluster at 127.0.0.1:9" in w.value for w in at.warning)
        at.switch_page("pages/6_Beta_lambda.py").run()
        assert any("cannot reach the Ray cluster" in w.value for w in at.warning)
    finally:
        training.job_manager.clear()


def press_step(at: AppTest) -> AppTest:
    """Press Step and wait for the step's own thread, as the page's fragment does."""
    import time

    at.button(key="train_step").click().run()
    stepper, deadline = at.session_state["train_stepper"], time.monotonic() + 60
    while stepper.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    return at.run()


def test_train_live_steps_a_model_batch_by_batch():
    at = open_page("pages/1_Train_live.py")
    at.radio(key="train_mode").set_value("Step by step").run()
    assert "press **Set up**" in texts(at)
    next(b for b in at.get("form_submit_button") if b.label == "Set up").click().run()
    assert [m.value for m in at.metric][:2] == ["0", "0.00"]
    press_step(at)
    # the moving codes and every batch's loss
    assert at.metric[0].value == "10" and len(at.get("plotly_chart")) == 2
    press_step(at)
    assert at.metric[0].value == "20" and at.metric[2].value and not at.exception
    busy = at.session_state["train_stepper"]._busy  # as if the last press were still training
    busy.acquire()
    try:
        at.button(key="train_step").click().run()
        assert any("not counted" in i.value for i in at.info) and at.metric[0].value == "20"
        assert any(c.value.startswith("Training 10 batches") for c in at.caption)
    finally:
        busy.release()
    at.run()  # the step in flight ended: the notice goes, the count holds
    assert at.metric[0].value == "20" and not at.info and not at.exception
    press_step(at)
    assert at.metric[0].value == "30" and not at.info


def test_latent_arithmetic_judges_shifts_analogies_and_the_whole_grid():
    at = open_page("pages/7_Latent_arithmetic.py")
    assert sum("looks like" in m.value for m in at.markdown) == 2  # the start and where it went
    assert any("now: the first test" in c.value for c in at.caption)
    at.session_state["arith_canvas"] = {"kind": "pin", "id": "click-1", "map": 0, "z": [1.25, -0.5]}
    at.run()
    captions = " ".join(c.value for c in at.caption)
    assert (
        "now: the point you clicked, (1.25, -0.50)" in captions and "the first test" not in captions
    )
    at.selectbox(key="arith_to").set_value(1).run()
    at.slider(key="arith_strength").set_value(0.0).run()
    assert not at.exception
    at.radio(key="arith_mode").set_value("Analogies a : b :: c : ?").run()
    assert sum("looks like" in m.value for m in at.markdown) == 4
    assert "the class of b" in texts(at)
    at.radio(key="arith_mode").set_value("Where it fails").run()
    assert "of cases over the 90 pairs" in texts(at) and len(at.get("plotly_chart")) == 1


def test_latent_arithmetic_asks_for_an_unconditional_model():
    at = open_page("pages/7_Latent_arithmetic.py")
    cvae = next(
        o
        for o in at.sidebar.selectbox(key="sidebar_model_name").options
        if o.startswith("Conditional VAE")
    )
    at.sidebar.selectbox(key="sidebar_model_name").select(cvae).run()
    assert "conditional VAE takes the class as an input" in texts(at)


def test_projections_pca_of_pixels():
    at = open_page("pages/5_Projections.py")
    at.radio(key="proj_method").set_value("pca").run()
    at.select_slider(key="proj_points").set_value(2000).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Trustworthiness (5 neighbours)" in labels


def test_train_form_rejects_bad_widths():
    at = open_page("pages/1_Train_live.py")
    at.text_input(key="train_hidden").set_value("big, bigger")
    at.button(key="FormSubmitter:train_form-Train").click().run()  # the form's submit button
    assert not at.exception
    assert any("hidden layer widths" in e.value for e in at.error)


def train_tiny(hidden: str):
    """Train live with a tiny network for one epoch on 5,000 images: the page and the finished
    job."""

    at = open_page("pages/1_Train_live.py")
    at.text_input(key="train_hidden").set_value(hidden)
    at.slider(key="train_epochs").set_value(1)
    at.selectbox(key="train_subset").set_value("5,000 (fast demo)")
    at.button(key="FormSubmitter:train_form-Train").click().run()
    assert not at.exception
    job = training.job_manager().get(at.session_state["train_job"])
    return at, training.job_manager().wait(job, timeout=300)


def test_train_a_tiny_model_and_see_it_finish():

    at, snapshot = train_tiny("32")
    assert snapshot.status == "done", snapshot.message
    at.run()
    assert not at.exception
    assert any("stored as" in s.value for s in at.success)
    assert snapshot.checkpoint_name in [e.name for e in caches.catalog.__wrapped__().entries]
    said = " ".join(s.value for s in at.success)
    assert snapshot.checkpoint_name not in said and "stored as “VAE (ELBO) · 2-D" in said
    at.button(
        key="FormSubmitter:train_form-Train"
    ).click().run()  # the same configuration again: opened, named as the pickers do
    job = training.job_manager().get(at.session_state["train_job"])
    training.job_manager().wait(job, timeout=60)
    at.run()
    said = " ".join(s.value for s in at.success)
    assert "Already trained: opened the stored model “VAE (ELBO) · 2-D" in said, said


def test_a_shared_link_restores_model_and_point():
    from explorer.core.catalog import Catalog

    entry = Catalog.from_store().default("mnist", MMD_VAE)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"model": entry.name, "z": "0.5,-1.25"})
    at.run()
    at.switch_page("pages/2_Latent_map.py").run()
    assert not at.exception
    assert at.session_state["view"].view.model == entry.name
    assert "**z = (0.500, -1.250)** — the shared link's point" in texts(at)
    assert at.query_params["z"] in ("0.5,-1.25", ["0.5,-1.25"])
    assert at.query_params["model"] in (entry.name, [entry.name])


@pytest.mark.parametrize(
    "query",
    [{"model": "../../etc/passwd"}, {"z": "nan,1"}, {"z": "1e9,0"}, {"z": "abc"}, {"a": "1,2"}],
)
def test_bad_links_fall_back_with_a_warning(query):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    assert any("Shared link" in w.value for w in at.sidebar.warning)
    at.switch_page("pages/2_Latent_map.py").run()
    assert not at.exception
    assert "Click anywhere on the map" in texts(at)


def test_elbo_vs_mmd_joined_view():
    at = open_page("pages/4_ELBO_vs_MMD.py")
    at.radio(key="cmp_view").set_value("One map, each image joined to its two places").run()
    assert not at.exception
    assert any("300 random test images" in c.value for c in at.caption)


@pytest.mark.slow
def test_beta_family_member_trains_on_demand():

    at = open_page("pages/6_Beta_lambda.py")
    at.sidebar.selectbox(key="sidebar_model_dataset").set_value(
        "fashion-mnist"
    ).run()  # the MNIST families ship
    at.select_slider(key="sweep_beta_value").set_value(2.0).run()
    assert any("not trained yet" in i.value for i in at.info)
    at.button(key="sweep_train_one").click().run()
    assert not at.exception
    job = training.job_manager().get(at.session_state["sweep_jobs"][2.0])
    assert training.job_manager().wait(job, timeout=600).status == "done"
    caches.catalog.clear()
    at.run()
    assert not at.exception
    assert not any("not trained yet" in i.value for i in at.info)
    assert len(at.dataframe) == 1 and 2.0 in at.dataframe[0].value.index


def test_shipped_models_replay_their_training():
    at = open_page("pages/2_Latent_map.py")
    toggle = at.toggle(key="map_replay_on")
    assert toggle.label.startswith("Replay: how this latent space organised itself over 40 epochs")
    charts = len(at.get("plotly_chart"))
    toggle.set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == charts + 1


def test_the_mnist_families_ship_and_compare_on_one_axis():
    at = open_page("pages/6_Beta_lambda.py")
    assert not any("not trained yet" in i.value for i in at.info)
    for family, values in (
        ("beta", [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]),
        ("lambda", [10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0]),
    ):
        at.radio(key="sweep_family").set_value(family).run()
        assert not at.exception
        assert at.dataframe[0].value.index.tolist() == values
        terms = at.get("plotly_chart")[-1]
        assert '"type":"log"' in terms.proto.spec.replace(" ", "")  # the weight on a log axis

    def x_ranges(shared: bool) -> set:
        at.toggle(key="sweep_shared_axes").set_value(shared).run()
        ranges = set()
        for value in (0.25, 8.0):
            at.radio(key="sweep_family").set_value("beta").run()
            at.select_slider(key="sweep_beta_value").set_value(value).run()
            ranges.add(
                tuple(json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]["range"])
            )
        return ranges

    assert len(x_ranges(shared=False)) == 2  # by default each β fills its own axes
    assert len(x_ranges(shared=True)) == 1  # asked for, every β on the same axes


@pytest.mark.parametrize(
    "page", ["pages/2_Latent_map.py", "pages/3_Interpolate.py", "pages/4_ELBO_vs_MMD.py"]
)
def test_a_link_made_for_a_wider_model_leaves_its_point_out_in_words(page):
    wide = ",".join(["0.5"] * 20)  # a 20-D model's point, opened with a 2-D model
    at = AppTest.from_file(str(ROOT / "explorer_app.py"), default_timeout=120)
    at.query_params.update({"z": wide, "a": wide, "b": wide.replace("0.5", "-0.5")})
    at.switch_page(page).run()
    assert not at.exception
    assert any("more coordinates than" in w.value for w in at.sidebar.warning)
    view = at.session_state["view"].view
    # not the link's
    assert view.point is None and (view.ends is None or all(len(end) == 2 for end in view.ends))
