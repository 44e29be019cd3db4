"""The MMD-VAE (InfoVAE): reconstruction plus λ · MMD(q(z), N(0, I)), asking only that the
cloud of all codes matches the prior (Zhao, Song & Ermon, "InfoVAE", AAAI 2019)."""

from __future__ import annotations

from dataclasses import dataclass

from vae_core.models.kinds.base import Diagram, LossTerm, ModelKind, Setting

SETTINGS = (
    Setting(
        name="mmd_weight",
        label="λ (weight of the MMD term)",
        help="How closely the cloud of all codes must match N(0, I).",
        default=100.0,
        low=0.0,
        form_high=100_000.0,
        step=100.0,
        start=1000.0,
        flags=("--mmd-weight", "--lambda"),
    ),
    Setting(
        name="mmd_kernel",
        label="MMD kernel",
        help="The kernel the discrepancy is measured with.",
        default="rbf",
        choices=(("imq", "inverse multiquadric"), ("rbf", "Gaussian (RBF)")),
        start="imq",
        flags=("--kernel",),
    ),
    Setting(
        name="kernel_bandwidth",
        label="Kernel bandwidth",
        help="The kernel's base scale s: its C is 2 · latent_dim · s².",
        default=1.0,
        low=0.0,
        low_allowed=False,
        in_form=False,
        flags=("--bandwidth",),
    ),
    Setting(
        name="kernel_scales",
        label="Kernel scales",
        help="Multipliers of the bandwidth; the kernels at each scale are summed, e.g. 0.5,1,2.",
        default=(1.0,),
        low=0.0,
        low_allowed=False,
        in_form=False,
    ),
    Setting(
        name="stochastic_encoder",
        label="Gaussian encoder",
        help="A Gaussian q(z|x) instead of a point code.",
        default=False,
        in_form=False,
    ),
)


@dataclass(frozen=True)
class MMDKind(ModelKind):
    def check(self, config) -> None:
        """A point encoder by default; ``stochastic_encoder`` asks for a Gaussian q(z|x)."""

    def stochastic_encoder(self, config) -> bool:
        return config.stochastic_encoder

    def regulariser(self, config, output, terms, reg_scale):
        import torch  # here: configs, and so the kinds, are read without torch (a map's first view)

        from vae_core.models.losses import mmd

        # recon + λ · MMD(q(z), p(z)), the prior sampled afresh for every batch (InfoVAE, eq. 10)
        prior = torch.randn_like(output.z)
        terms["mmd"] = mmd(
            output.z, prior, config.mmd_kernel, config.kernel_bandwidth, config.kernel_scales
        )
        return reg_scale * config.mmd_weight * terms["mmd"]

    def describe(self, config) -> str:
        return f"MMD-VAE (λ={config.mmd_weight:g})"


KIND = MMDKind(
    name="mmd-vae",
    objective="mmd_vae",
    label="MMD-VAE (InfoVAE)",
    summary=(
        "Asks only that the cloud of all codes matches N(0, I), measured by the maximum mean "
        "discrepancy."
    ),
    order=2,
    diagram=Diagram(
        code="code z(x)",
        sample="z",
        loss=(
            "loss = reconstruction + λ · MMD( q(z), N(0, I) )  — only the cloud of all codes must "
            "match the prior"
        ),
    ),
    settings=SETTINGS,
    loss_terms=(LossTerm("mmd", "MMD(q(z), p(z))", digits=4),),
    weight_field="mmd_weight",
    min_batch_size=2,  # the MMD estimate compares codes with each other
    divergence_hint=", or the MMD weight too large",
)
