"""Two app servers on one store: the same configuration asked for on both trains once."""

from __future__ import annotations

import asyncio

import pytest

from tests.drivers.browser import app_server
from tests.drivers.st_client import StreamlitSession, WidgetState
from vae_core.store.checkpoints import list_checkpoints

pytestmark = pytest.mark.slow

OUTCOMES = ("stored as", "Already trained: opened the stored model")


async def ask_for_training(url: str) -> str:
    """Press Train with the same settings a student would, and follow the page until it
    says how the model came to be; returns that message."""
    session = StreamlitSession(url)
    await session.connect()
    try:
        form = await session.run_page("Train_live")
        run = await session.set_widgets(
            [
                WidgetState(id=form.widget_id("Seed"), double_value=7),
                WidgetState(id=form.widget_id("Training images"), string_value="5,000 (fast demo)"),
                WidgetState(id=form.widget_id("Epochs"), double_array_value={"data": [2]}),
                WidgetState(id=form.widget_id("Train"), trigger_value=True),
            ],
            timeout=120,
        )
        timer = None
        for _ in range(2000):
            assert not run.exceptions(), run.exceptions()
            done = [text for text in run.alerts() if any(outcome in text for outcome in OUTCOMES)]
            if done:
                return done[0]
            assert not any("failed" in text for text in run.alerts()), run.alerts()
            timer = run.auto_reruns[-1] if run.auto_reruns else timer
            assert timer is not None and timer[1] not in run.stopped_reruns, (
                "the page stopped following the training"
            )
            await asyncio.sleep(timer[0])
            run = await session.auto_rerun(timer[1], timeout=120)
        raise AssertionError("the training never finished")
    finally:
        await session.close()


async def both(first: str, second: str) -> list[str]:
    return await asyncio.gather(ask_for_training(first), ask_for_training(second))


def test_one_configuration_asked_for_on_two_servers_trains_once(tmp_path):
    store = tmp_path / "store"
    env = {"VAE_EXPLORER_STORE": str(store), "VAE_EXPLORER_TRAINING_NICE": "0"}
    with app_server(env) as (first, _), app_server(env) as (second, _):
        messages = asyncio.run(both(first, second))
    trained = [m for m in messages if m.startswith("Finished in")]
    opened = [m for m in messages if m.startswith("Already trained")]
    assert len(trained) == 1 and len(opened) == 1, messages
    stored = list_checkpoints([store])
    assert len(stored) == 1
    # the other server opened the one it trained: both name the same model, as pickers name it
    names = {message.split("“")[1].split("”")[0] for message in messages}
    assert len(names) == 1 and names.pop().startswith(stored[0].model_config.label), messages
    assert not [
        p for p in store.iterdir() if p.name.startswith(".tmp")
    ]  # nothing partial left behind
