"""The model-kind registry: every kind owns its objective, encoder, label and diagram, a new
kind is one object, and no code outside the registry spells a kind's name."""

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from tests.drivers.browser import ROOT
from vae_core.experiments.pretrain import CATALOG
from vae_core.models.config import (
    ModelConfig,
    TrainConfig,
    config_from_dict,
    config_key,
    config_to_dict,
)
from vae_core.models.kinds import (
    AE,
    BETA_VAE,
    CVAE,
    KINDS,
    MMD_VAE,
    VAE,
    Diagram,
    LossTerm,
    ModelKind,
    Setting,
    get_kind,
    kind_of,
    objectives,
    register,
    unregister,
)
from vae_core.models.networks import build_model
from vae_core.store.checkpoints import read_checkpoint_info


def test_every_objective_has_a_plain_kind_and_every_kind_builds_a_config():
    assert set(objectives()) == {"vae", "mmd_vae", "ae", "cvae"}
    for kind in KINDS.values():
        config = ModelConfig(**kind.config_fields())
        assert kind_of(config) is kind is config.kind, kind.name
        assert kind.label and kind.summary.endswith(".")
        for setting in kind.settings:  # each setting's default passes its own check
            assert setting.check(config.setting(setting.name)) == config.setting(setting.name)
    assert list(KINDS.values()) == [VAE, BETA_VAE, MMD_VAE, AE, CVAE]


def test_a_vae_with_another_beta_is_a_beta_vae():
    assert kind_of(ModelConfig(model="vae", beta=1.0)) is VAE
    assert kind_of(ModelConfig(model="vae", beta=0.5)) is BETA_VAE
    assert kind_of(ModelConfig(model="cvae", beta=2.0)) is CVAE
    assert BETA_VAE.config_fields() == {"model": "vae", "beta": 4.0}
    assert BETA_VAE.config_fields(beta=2.0)["beta"] == 2.0


def test_labels_carry_the_weight_that_sets_a_kind_apart():
    assert ModelConfig(model="vae", beta=4.0).label == "β-VAE (β=4)"
    assert ModelConfig(model="mmd_vae", mmd_weight=300.0).label == "MMD-VAE (λ=300)"
    assert ModelConfig(model="cvae").label == "Conditional VAE"
    assert ModelConfig(model="ae").label == "Autoencoder"


def test_kinds_own_their_encoder_and_options():
    assert (
        ModelConfig(model="vae").has_stochastic_encoder
        and not ModelConfig(model="ae").has_stochastic_encoder
    )
    assert not ModelConfig(model="mmd_vae").has_stochastic_encoder
    assert ModelConfig(model="mmd_vae", stochastic_encoder=True).has_stochastic_encoder
    assert ModelConfig(model="cvae").is_conditional and not ModelConfig(model="vae").is_conditional
    with pytest.raises(ValueError, match="stochastic_encoder is not an option of the VAE"):
        ModelConfig(model="vae", stochastic_encoder=True)
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        from vae_core.training.trainer import train

        train(
            ModelConfig(model="mmd_vae"), TrainConfig(batch_size=1, train_subset=8, test_subset=8)
        )


def test_spellings_and_unknown_kinds():
    assert get_kind("beta_vae") is get_kind("Beta-VAE") is KINDS["beta-vae"]
    with pytest.raises(ValueError, match="choose one of vae, beta-vae, mmd-vae, ae, cvae"):
        get_kind("gan")
    with pytest.raises(ValueError, match="model must be one of"):
        ModelConfig(model="gan")


@dataclass(frozen=True)
class CodeNormKind(ModelKind):
    """A toy kind defined outside the registry's package: a point encoder whose codes are
    pulled towards the origin by the squared norm, weighted by β."""

    def stochastic_encoder(self, config) -> bool:
        return False

    def regulariser(self, config, output, terms, reg_scale):
        terms["norm"] = output.z.pow(2).sum(dim=1).mean()
        return reg_scale * config.setting("norm_weight") * terms["norm"]

    def describe(self, config) -> str:
        return f"{self.label} (w={config.setting('norm_weight'):g})"


NORM_WEIGHT = Setting(
    name="norm_weight",
    label="w (weight of the code norm)",
    help="How hard codes are pulled towards the origin.",
    default=0.1,
    low=0.0,
    form_high=10.0,
    step=0.05,
)

TOY = CodeNormKind(
    name="code-norm",
    objective="code_norm",
    label="Code-norm autoencoder",
    summary="An autoencoder whose codes are pulled towards the origin.",
    order=9,
    diagram=Diagram(code="code z(x)", sample="z", loss="loss = reconstruction + w · ‖z‖²"),
    settings=(NORM_WEIGHT,),
    loss_terms=(LossTerm("norm", "mean ‖z‖²"),),
)


@pytest.fixture
def toy_kind():
    register(TOY)
    yield TOY
    unregister(TOY)


def test_a_new_kind_is_one_object_the_library_and_the_app_ask(toy_kind):
    """Config, label, encoder, losses, training step, diagram, picker entry: all from the object."""
    from vae_core.models.losses import model_loss
    from vae_core.viz import vae_diagram

    config = ModelConfig(
        **get_kind("code_norm").config_fields(hidden_sizes=(16,)), options={"norm_weight": 0.5}
    )
    assert (
        config.kind is toy_kind
        and config.label == "Code-norm autoencoder (w=0.5)"
        and not config.has_stochastic_encoder
    )
    model = build_model(config)
    x = torch.rand(8, 1, 28, 28)
    output = model(x)
    terms = model_loss(config, output, x)
    assert set(terms) == {"recon", "norm", "loss"} and "kl" not in terms
    assert torch.isclose(terms["loss"], terms["recon"] + 0.5 * terms["norm"])
    terms["loss"].backward()
    assert all(parameter.grad is not None for parameter in model.parameters())
    figure = vae_diagram(toy_kind)
    assert "w · ‖z‖²" in [a["text"] for a in figure.layout.annotations][-1]
    assert list(KINDS)[-1] == "code-norm"
    with pytest.raises(ValueError, match="registered already"):
        register(CodeNormKind(**{**TOY.__dict__, "label": "another"}))


def test_a_new_kind_trains_and_the_app_lists_it(toy_kind, tmp_path):
    from explorer.core.catalog import Catalog, entry_from_info
    from vae_core.store.checkpoints import read_checkpoint_info, save_model
    from vae_core.training.trainer import train

    config = ModelConfig(**toy_kind.config_fields(hidden_sizes=(16,)))
    result = train(config, TrainConfig(epochs=1, batch_size=32, train_subset=128, test_subset=64))
    assert "norm" in result.history[-1].test
    path = save_model(result.model, result.train_config, tmp_path, {})
    catalog = Catalog([entry_from_info(read_checkpoint_info(path), tmp_path)])
    assert catalog.entries[0].kind == toy_kind and catalog.entries[0].title.startswith(
        "Code-norm autoencoder (w=0.1) · 2-D"
    )
    assert catalog.select("mnist", toy_kind) == catalog.entries and not catalog.select("mnist", VAE)


def test_a_new_kinds_setting_is_checked_stored_and_keyed(toy_kind):
    make = lambda **options: ModelConfig(**toy_kind.config_fields(), options=options)  # noqa: E731
    assert make().setting("norm_weight") == 0.1 and make().options == ()
    assert make(norm_weight=2).options == (("norm_weight", 2.0),)
    for bad, message in (("-1", "norm_weight must be a number"), (-1.0, ">= 0")):
        with pytest.raises(ValueError, match=message):
            make(norm_weight=bad)
    with pytest.raises(ValueError, match="beta is not a setting of the Code-norm"):
        make(beta=2.0)
    with pytest.raises(ValueError, match="norm_weight is not a setting of the VAE"):
        ModelConfig(options={"norm_weight": 1.0})
    stored = config_to_dict(make(norm_weight=2.0))
    assert stored["options"] == {"norm_weight": 2.0}
    assert config_from_dict(ModelConfig, json.loads(json.dumps(stored))) == make(norm_weight=2.0)
    assert config_key(make(), TrainConfig()) != config_key(make(norm_weight=2.0), TrainConfig())


def test_checkpoints_stored_flat_keep_their_names_and_load():
    """A config written before kinds had settings (no ``options``) reads back, keyed as before."""
    flat = {**config_to_dict(ModelConfig(model="mmd_vae", mmd_weight=300.0)), "model": "mmd_vae"}
    flat.pop("options")
    config = config_from_dict(ModelConfig, flat)
    assert config.setting("mmd_weight") == 300.0 and config.options == ()
    written_flat = [  # shipped MMD-VAEs stored before ``options`` existed (the λ family's)
        e
        for e in CATALOG
        if e.model_config.model == "mmd_vae"
        and "options" not in json.loads((e.path / "config.json").read_text())["model"]
    ]
    assert written_flat
    for shipped in written_flat:
        info = read_checkpoint_info(shipped.path)
        assert shipped.path.name.endswith(config_key(info.model_config, info.train_config))


def test_a_new_kinds_setting_and_term_reach_the_command_line(toy_kind, tmp_path, capsys):
    from vae_core.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--norm-weight" in help_text and "How hard codes are pulled" in help_text
    code = main(
        ["train", "--model", "code-norm", "--norm-weight", "0.25", "--hidden", "16"]
        + ["--epochs", "1", "--batch-size", "32", "--train-subset", "128", "--test-subset", "64"]
        + ["--out", str(tmp_path)]
    )
    assert code == 0 and re.search(r"train loss=\S+ recon=\S+ norm=\S+", capsys.readouterr().out)
    (path,) = [p for p in tmp_path.rglob("config.json")]
    assert read_checkpoint_info(path.parent).model_config.setting("norm_weight") == 0.25
    assert main(["train", "--model", "vae", "--norm-weight", "1", "--out", str(tmp_path)]) == 2


def test_a_new_kinds_setting_and_term_reach_the_form_and_the_curves(toy_kind):
    from explorer.training import train_live as training
    from tests.test_app import open_page
    from vae_core.viz.figures import batch_losses, loss_curves

    at = open_page("pages/1_Train_live.py")
    at.selectbox(key="train_kind").set_value("code-norm").run()
    field = at.number_input(key="train_norm_weight")
    assert field.label == "w (weight of the code norm)" and field.value == 0.1
    assert field.max == 10.0 and field.help == NORM_WEIGHT.help
    form = training.TrainForm(
        dataset="mnist",
        kind="code-norm",
        architecture="mlp",
        hidden="16",
        latent_dim=2,
        settings=(("norm_weight", 0.5),),
        epochs=1,
        learning_rate=1e-3,
        batch_size=32,
        subset="5,000 (fast demo)",
        seed=0,
    )
    assert training.configs(form)[0].options == (("norm_weight", 0.5),)
    record = {"loss": 1.0, "recon": 0.9, "norm": 0.2}
    curves = loss_curves([{"epoch": 1, "train": record, "test": record}])
    assert [a.text for a in curves.layout.annotations] == [
        "objective",
        "reconstruction (nats)",
        "mean ‖z‖²",
    ]
    assert [t.name for t in batch_losses([record, record], 1).data] == ["loss", "recon", "norm"]


# Code that decides by kind asks the kind: a kind's name or objective spelled out as a string
# anywhere else would be a second vocabulary to keep in step.
CODE = [
    path
    for folder in ("vae_core", "explorer", "pages", "benchmarks")
    for path in sorted((ROOT / folder).rglob("*.py"))
    if "kinds" not in path.relative_to(ROOT).parts
] + [ROOT / "explorer_app.py", *sorted((ROOT / "docs").glob("*.py"))]


def spellings() -> set[str]:
    names = {kind.name for kind in KINDS.values()} | set(objectives())
    return (
        names
        | {name.replace("-", "_") for name in names}
        | {name.replace("_", "-") for name in names}
    )


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_kind_name_is_spelled_outside_the_registry(path: Path):
    raw = spellings()
    found = [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip() in raw
    ]
    assert not found, "ask the kind (vae_core.models.kinds) instead of spelling its name"


def test_the_scan_finds_a_spelled_name(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('if config.model == "mmd_vae":\n    pass\n')
    with pytest.raises(AssertionError):
        test_no_kind_name_is_spelled_outside_the_registry(sample)
