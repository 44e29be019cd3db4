import numpy as np

from vae_core.data.images import text_thumbnail
from vae_core.models.kinds import MMD_VAE
from vae_core.viz import (
    GRID_TRACE_NAME,
    add_click_lattice,
    add_density,
    add_ellipses,
    add_empty_cells,
    add_mosaic,
    add_path,
    add_points,
    add_prior_circles,
    add_selected,
    base_map,
    clicked_point,
    latent_histogram,
    latent_map,
    loss_curves,
    projection_scatter,
    selected_indices,
    vae_diagram,
)

NAMES = [str(i) for i in range(10)]


def _codes(n=200):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 2)).astype(np.float32), rng.integers(0, 10, n)


def test_latent_map_has_an_invisible_click_grid_and_a_trace_per_class():
    codes, labels = _codes()
    figure = latent_map(codes, labels, NAMES, (-3, 3, -3, 3), click_grid=40)
    grid = figure.data[0]
    assert grid.name == GRID_TRACE_NAME and len(grid.x) == 1600 and grid.marker.opacity == 0
    assert min(grid.x) > -3 and max(grid.x) < 3
    classes = [t for t in figure.data[1:]]
    assert sorted(t.name for t in classes) == sorted(NAMES[i] for i in np.unique(labels))
    for trace in classes:
        assert np.all(labels[np.asarray(trace.customdata)] == int(trace.name))
    assert tuple(figure.layout.xaxis.range) == (-3, 3)
    assert figure.layout.yaxis.scaleanchor == "x"


def test_latent_map_layers():
    codes, labels = _codes()
    mosaic = np.zeros((56, 56), np.uint8)
    empty = np.zeros((2, 2), bool)
    empty[0, 1] = True
    figure = latent_map(
        codes,
        labels,
        NAMES,
        (-2, 2, -2, 2),
        mosaic=mosaic,
        prior_circles=True,
        empty_cells=empty,
        ellipses=[(0.0, 0.0, 0.5, 0.2)],
        selected=(1.0, 1.0),
        path=np.array([[0, 0], [1, 1]]),
        density=True,
        thumbnails=[text_thumbnail(np.zeros((28, 28)))] * len(codes),
        click_grid=0,
    )
    shapes = figure.layout.shapes
    # the prior's 2-sigma circle
    assert sum(s.type == "circle" and s.x0 == -2.0 for s in shapes) == 1
    assert (
        sum(s.type == "rect" for s in shapes) == 1
        and shapes[[s.type for s in shapes].index("rect")].x0 == 0.0
    )
    # one ellipse at 1 and 2 sigma
    assert sum(s.type == "circle" and s.line.color == "#D62728" for s in shapes) == 2
    assert len(figure.layout.images) == 1 and figure.layout.images[0].layer == "below"
    names = [t.name for t in figure.data]
    assert "decoded point" in names and "path" in names and "density of the codes" in names


def test_highlight_fades_the_rest():
    codes, labels = _codes(20)
    figure = latent_map(codes, labels, NAMES, (-3, 3, -3, 3), highlight=range(5), click_grid=0)
    opacities = np.concatenate([np.atleast_1d(t.marker.opacity) for t in figure.data])
    assert sorted(set(np.round(opacities, 2))) == [0.08, 0.95]
    bright = [
        row
        for t in figure.data
        for row, o in zip(t.customdata, np.atleast_1d(t.marker.opacity))
        if o > 0.5
    ]
    assert sorted(bright) == [0, 1, 2, 3, 4]


def test_reading_selections():
    assert clicked_point(None) is None
    assert clicked_point({"selection": {"points": []}}) is None
    assert clicked_point({"selection": {"points": [{"x": 0.5, "y": -1.0}]}}) == (0.5, -1.0)
    assert clicked_point({"selection": {"points": [{"x": float("nan"), "y": 1.0}]}}) is None
    selection = {
        "selection": {
            "points": [{"customdata": 7}, {"customdata": [3]}, {"x": 1, "y": 2}, {"customdata": 7}]
        }
    }
    assert selected_indices(selection).tolist() == [3, 7]


def test_other_figures():
    history = [
        {
            "epoch": e,
            "train": {"loss": 10 - e, "recon": 9 - e, "kl": 1.0},
            "test": {"loss": 11 - e, "recon": 10 - e, "kl": 1.0},
        }
        for e in (1, 2, 3)
    ]
    curves = loss_curves(history)
    assert len(curves.data) == 6  # three terms, train and test
    embedding, labels = _codes()
    scatter = projection_scatter(embedding, labels, NAMES, selected_index=4)
    assert scatter.data[-1].name == "decoded point" and scatter.data[-1].x[0] == embedding[4, 0]
    assert (
        len(vae_diagram(MMD_VAE).layout.shapes) == 5
        and "MMD" in vae_diagram(MMD_VAE).layout.annotations[-1].text
    )


def test_a_single_epochs_labels_sit_beside_its_points_inside_the_panel():
    history = [
        {"epoch": 1, "train": {"loss": 263.5, "kl": 5.0}, "test": {"loss": 259.0, "kl": 4.8}}
    ]
    figure = loss_curves(history)
    assert {trace.textposition for trace in figure.data} == {"middle right", "middle left"}
    low, high = figure.layout.yaxis.range
    assert low < 259.0 and high > 263.5 + 1  # room above the higher label, below the panel's title


def test_paired_map_joins_each_image():
    from vae_core.viz import paired_map

    a, labels = _codes(5)
    b = a + 1.0
    figure = paired_map(a, b, labels, NAMES, (-3, 3, -3, 3), "ELBO", "MMD")
    lines = figure.data[0]
    assert len(lines.x) == 15 and np.isnan(lines.x[2])  # pairs separated by gaps
    assert lines.x[0] == a[0, 0] and lines.x[1] == b[0, 0]
    assert [t.name for t in figure.data[1:3]] == ["ELBO", "MMD"]
    key = [
        t for t in figure.data if t.legendgroup == "classes"
    ]  # a legend entry naming each class's colour
    assert sorted(t.name for t in key) == sorted(NAMES[i] for i in np.unique(labels))


def test_replay_figure_has_a_frame_per_epoch():
    from vae_core.viz import replay_figure

    codes = np.random.default_rng(0).standard_normal((4, 50, 2)).astype(np.float32)
    labels = np.arange(50) % 10
    figure = replay_figure(codes, labels, NAMES)
    assert [frame.name for frame in figure.frames] == ["1", "2", "3", "4"]
    assert len(figure.layout.sliders[0].steps) == 4 and figure.layout.sliders[0].active == 3
    assert [
        t.name for t in figure.data
    ] == NAMES and figure.layout.showlegend  # the legend names the classes
    assert np.allclose(figure.frames[2].data[3].x, codes[2, labels == 3, 0])


def test_a_clicked_lattice_point_becomes_visible_and_nothing_fades():
    codes, labels = _codes()
    figure = latent_map(codes, labels, NAMES, (-3, 3, -3, 3))
    grid = figure.data[0]
    assert grid.selected.marker.opacity == 1.0 and grid.unselected.marker.opacity == 0.0
    for trace in figure.data[1:]:
        assert trace.unselected.marker.opacity == trace.marker.opacity


EXTENT = (-2.0, 2.0, -1.0, 3.0)


def test_base_map_is_square_with_its_extent_and_no_data():
    figure = base_map(EXTENT, title="t", height=300)
    assert len(figure.data) == 0 and figure.layout.height == 300 and figure.layout.title.text == "t"
    assert tuple(figure.layout.xaxis.range) == (-2.0, 2.0) and tuple(figure.layout.yaxis.range) == (
        -1.0,
        3.0,
    )
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio == 1


def test_each_layer_alone():
    codes, labels = _codes(50)
    lattice = add_click_lattice(base_map(EXTENT), EXTENT, 10).data[0]
    assert (
        lattice.name == GRID_TRACE_NAME
        and len(lattice.x) == 100
        and min(lattice.x) > -2
        and max(lattice.y) < 3
    )
    assert add_density(base_map(EXTENT), codes).data[0].type == "histogram2dcontour"
    assert len(add_density(base_map(EXTENT), codes[:5]).data) == 0  # too few codes for a density
    points = add_points(base_map(EXTENT), codes, labels, NAMES).data
    assert sum(len(t.x) for t in points) == 50 and {t.name for t in points} == {
        NAMES[i] for i in np.unique(labels)
    }
    circles = add_prior_circles(base_map(EXTENT)).layout.shapes
    assert [(c.x0, c.x1) for c in circles] == [(-1.0, 1.0), (-2.0, 2.0)]
    ellipse = add_ellipses(base_map(EXTENT), [(1.0, 0.5, 0.2, 0.1)]).layout.shapes
    assert [(e.x0, e.x1, e.y0, e.y1) for e in ellipse] == [
        (0.8, 1.2, 0.4, 0.6),
        (0.6, 1.4, 0.3, 0.7),
    ]
    empty = np.zeros((4, 4), bool)
    empty[0, 3] = True  # top-right cell
    rect = add_empty_cells(base_map(EXTENT), empty, EXTENT).layout.shapes[0]
    assert (rect.x0, rect.x1, rect.y0, rect.y1) == (1.0, 2.0, 2.0, 3.0)
    path = add_path(base_map(EXTENT), np.array([[0, 0], [0.5, 0.5], [1, 1]])).data
    assert [t.name for t in path] == ["path", "endpoints"] and list(path[1].text) == ["A", "B"]
    star = add_selected(base_map(EXTENT), (0.25, -0.5)).data[0]
    assert (star.x[0], star.y[0], star.marker.symbol) == (0.25, -0.5, "star")
    image = add_mosaic(base_map(EXTENT), np.zeros((28, 28), np.uint8), EXTENT).layout.images[0]
    assert (image.x, image.y, image.sizex, image.sizey) == (
        -2.0,
        3.0,
        4.0,
        4.0,
    ) and image.source.startswith("data:image/png")


def test_one_dimensional_codes_get_a_histogram_over_z():
    codes = np.concatenate([np.full(30, -1.0), np.full(20, 2.0)]).astype(np.float32)
    figure = latent_histogram(codes[:, None], np.repeat([0, 1], [30, 20]), NAMES)
    assert [t.name for t in figure.data] == ["0", "1"] and figure.layout.xaxis.title.text == "z"
    assert sum(len(t.x) for t in figure.data) == 50


def test_every_overlay_has_a_line_in_the_key_under_the_map():
    from vae_core.viz import latent_map

    codes, labels = _codes(200)
    empty = np.zeros((4, 4), bool)
    empty[0, 0] = True
    figure = latent_map(
        codes,
        labels,
        NAMES,
        (-3, 3, -3, 3),
        prior_circles=True,
        density=True,
        empty_cells=empty,
        ellipses=[(0.0, 0.0, 0.5, 0.4)],
    )
    key = [trace.name for trace in figure.data if trace.legend == "legend2"]
    assert key == [
        "density of the codes (contours)",
        "prior 1σ",
        "prior 2σ",
        "q(z|x) at 1σ",
        "q(z|x) at 2σ",
        "far from every training code",
    ]
    assert figure.layout.legend2.itemclick is False  # a key, not a switch
    plain = latent_map(codes, labels, NAMES, (-3, 3, -3, 3))
    assert not [trace for trace in plain.data if trace.legend == "legend2"]  # no overlays, no key
