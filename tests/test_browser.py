"""The app in a real browser: what only a browser can do (chart clicks, sliders, live training)."""

from __future__ import annotations

import pytest

from tests.drivers.browser import (
    app_server,
    box_select,
    browser_marks,
    canvas,
    plot_area,
)

pytestmark = browser_marks()

PAGES = {
    "Home": "",
    "Train live": "Train_live",
    "Latent map": "Latent_map",
    "Interpolate": "Interpolate",
    "ELBO vs MMD": "ELBO_vs_MMD",
    "Projections": "Projections",
    "β / λ sweep": "Beta_lambda",
    "Latent arithmetic": "Latent_arithmetic",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("browser-store")
    cache = tmp_path_factory.mktemp("browser-cache")
    with app_server(env={"VAE_EXPLORER_STORE": str(store), "VAE_EXPLORER_CACHE": str(cache)}) as (
        url,
        _,
    ):
        yield url


@pytest.fixture
def viewport() -> dict:
    return {"width": 1400, "height": 1000}


def wait_ready(page, timeout=60_000):
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def test_a_direct_link_gets_the_shared_sidebar(server, page):
    page.goto(f"{server}/Latent_map")
    plot_area(canvas(page))
    assert page.get_by_text("What to explore").is_visible()
    assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 2


@pytest.mark.parametrize("title,path", PAGES.items())
def test_every_page_loads_without_errors(server, page, title, path):
    page.goto(f"{server}/{path}")
    page.get_by_role(
        "heading", name=title if title != "Home" else "VAE Latent Explorer"
    ).first.wait_for(timeout=60_000)
    wait_ready(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_clicking_empty_space_on_the_map_decodes_it(server, page):
    page.goto(f"{server}/Latent_map")
    box = plot_area(canvas(page))
    decoded = page.locator(".st-key-map_decoded")
    decoded.wait_for()
    before = decoded.inner_text()
    assert "Click anywhere" in before
    # Far corners of the plotted square hold no data points: empty space.
    page.mouse.click(box["x"] + box["width"] * 0.04, box["y"] + box["height"] * 0.04)
    decoded.get_by_text("clicked point").wait_for(timeout=60_000)
    first = decoded.inner_text()
    assert "z = (" in first
    decoded.locator("img").nth(1).wait_for()  # the decoded image and the 8 nearest neighbours
    assert decoded.locator("img").count() == 2
    x1, y1 = decoded_z(first)
    pinned = canvas(page).locator('[data-testid="latent-canvas"]').get_attribute("data-pinned")
    assert [round(float(v), 3) for v in pinned.split(",")] == [round(x1, 3), round(y1, 3)]
    page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.85)
    page.wait_for_function(
        "previous => "
        "{ const e = document.querySelector('.st-key-map_decoded');"
        " const m = e && e.innerText.match(/z = \\(([^)]*)\\)/); return m && m[1] !== previous; }",
        arg=first.split("z = (")[1].split(")")[0],
    )
    x2, y2 = decoded_z(decoded.inner_text())
    assert x2 > x1 and y2 < y1, "the second click was right of and below the first"


def decoded_z(text: str) -> tuple[float, float]:
    x, y = text.split("z = (")[1].split(")")[0].split(",")
    return float(x), float(y)


def test_moving_the_interpolation_slider_changes_the_frame(server, page):
    page.goto(f"{server}/Interpolate")
    frame = page.locator(".st-key-interp_frame")
    frame.locator("img").wait_for(timeout=60_000)
    before_text, before_src = frame.inner_text(), frame.locator("img").get_attribute("src")
    assert "α = 0.00" in before_text
    slider = (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="position along the path")
        .get_by_role("slider")
    )
    press_along(page, slider, frame, 5)
    assert frame.locator("img").get_attribute("src") != before_src


def press_along(page, slider, frame, presses: int, steps: int = 12) -> None:
    """Press → on the α slider ``presses`` times as a person does, looking at the frame after
    each: every press reruns the page, which may take the keyboard's focus from the slider, so
    each press waits for the frame its predecessor asked for and focuses the slider again."""
    for k in range(1, presses + 1):
        slider.focus()
        page.keyboard.press("ArrowRight")
        frame.get_by_text(f"α = {k / (steps - 1):.2f}").wait_for(timeout=60_000)


def test_switching_to_clicked_ends_keeps_the_slider_and_the_frame_together(server, page):
    page.goto(f"{server}/Interpolate?a=-1.5,0.5&b=1.5,-0.5")
    frame = page.locator(".st-key-interp_frame")
    frame.get_by_text("α = 0.00").wait_for(timeout=60_000)
    slider = (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="position along the path")
        .get_by_role("slider")
    )
    press_along(page, slider, frame, 5)
    page.get_by_text("Two test images").click()
    frame.get_by_text("α = 0.45").wait_for(timeout=60_000)  # the frame stays where the slider is
    page.get_by_text("Two clicks on the latent map").click()
    # α = 5/11 along the clicked ends
    frame.get_by_text("z = (-0.14, 0.05)").wait_for(timeout=60_000)
    assert slider.get_attribute("aria-valuetext") == "0.45"  # the slider shows α, as the frame does
    slider.focus()
    page.keyboard.press("ArrowRight")
    frame.get_by_text("α = 0.55").wait_for(timeout=60_000)  # one step on, not a jump to the end


def start_a_small_training(page, server) -> None:
    """Train live with a 32-unit network for three epochs on 5,000 images."""
    page.goto(f"{server}/Train_live")
    page.get_by_role("heading", name="Train live").wait_for(timeout=60_000)
    page.get_by_label("Hidden layer widths").fill("32")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Epochs")
    slider.get_by_role("slider").focus()
    for key in ("Home", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Training images").click()
    page.get_by_role("option", name="5,000 (fast demo)").click()
    page.get_by_role("button", name="Train", exact=True).click()


def test_a_short_training_shows_every_image_and_is_stored(server, page):
    """Three epochs, redrawn every second: every reconstruction drawn, none lost on the way."""
    console, missing = [], []
    page.on("console", lambda message: console.append(message.text))
    page.on(
        "response",
        lambda response: (
            missing.append(response.url)
            if response.status >= 400 and "/media/" in response.url
            else None
        ),
    )
    start_a_small_training(page, server)
    page.get_by_text("Test images (top) and their reconstructions", exact=False).wait_for(
        timeout=180_000
    )
    page.get_by_text("stored as", exact=False).wait_for(timeout=180_000)
    # Eight test images and their eight reconstructions, every one drawn, and each carried
    # inside the page's message: a media file could be dropped by the next redraw unfetched.
    page.wait_for_function(
        """() => {
            const shown = [...document.querySelectorAll('[data-testid="stImageContainer"] img')];
            return shown.length === 16 && shown.every(
                i => i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/png'));
        }""",
        timeout=30_000,
    )
    assert not [text for text in console if "Image source error" in text] and not missing
    page.get_by_role("button", name="Explore this model").wait_for(timeout=30_000)
    page.get_by_role("button", name="Explore this model").click()
    page.wait_for_function("() => location.pathname.endsWith('/Latent_map')", timeout=60_000)
    plot_area(canvas(page))
    page.wait_for_function(
        """() => { const bar = document.querySelector('[data-testid="stSidebar"]');
                   return bar.textContent.includes('trained here')
                       || [...bar.querySelectorAll('input')].some(
                           i => (i.value || '').includes('trained here')); }""",
        timeout=30_000,
    )


def test_uploading_a_digit_encodes_it_and_garbage_is_refused(server, page, tmp_path):
    import io

    from PIL import Image

    from vae_core import load_dataset

    digit = load_dataset("mnist", "test").pixels[3, 0].numpy()
    png = tmp_path / "digit.png"
    buffer = io.BytesIO()
    # dark ink on white paper, as people draw
    Image.fromarray(255 - digit).save(buffer, format="PNG")
    png.write_bytes(buffer.getvalue())
    page.goto(f"{server}/Latent_map")
    plot_area(canvas(page))
    page.get_by_text("Your own image", exact=False).click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(png))
    page.get_by_text("its reconstruction").wait_for(timeout=60_000)
    page.locator(".st-key-map_decoded").get_by_text("your image's posterior mean").wait_for(
        timeout=30_000
    )
    garbage = tmp_path / "notes.png"
    garbage.write_bytes(b"this is not a picture")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(garbage))
    page.get_by_text("not an image this app can read").wait_for(timeout=30_000)


def test_a_shared_link_restores_the_view_and_clicks_update_the_link(server, page):
    from vae_core.experiments.pretrain import CATALOG

    mmd = next(e for e in CATALOG if e.dataset == "mnist" and e.role == "mmd-vae")
    page.goto(f"{server}/Latent_map?model={mmd.name}&z=0.5,-1.25")
    frame = canvas(page)
    box = plot_area(frame)
    assert (
        frame.locator('[data-testid="latent-canvas"]').get_attribute("data-pinned") == "0.5,-1.25"
    )
    decoded = page.locator(".st-key-map_decoded")
    decoded.get_by_text("z = (0.500, -1.250)").wait_for(timeout=60_000)
    assert "MMD-VAE" in page.locator('[data-testid="stSidebar"]').inner_html()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function(
        "() => !location.search.includes('z=0.5%2C-1.25') && "
        "!location.search.includes('z=0.5,-1.25') && location.search.includes('z=')"
    )
    assert f"model={mmd.name}" in page.url


def test_a_box_selection_on_one_map_highlights_the_other(server, page):
    page.goto(f"{server}/ELBO_vs_MMD")
    frame = canvas(page)
    plot_area(frame, 1)
    box_select(page, 0, (0.3, 0.3), (0.6, 0.6), within=frame)
    page.get_by_text("images selected").wait_for(timeout=60_000)
    count = int(page.get_by_text("images selected").inner_text().split()[0])
    assert count > 10
