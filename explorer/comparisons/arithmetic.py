"""Latent arithmetic: attribute vectors between class means, analogies, and the shipped
classifier's verdict on every decoded answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import caches
from vae_core.analysis.geometry import pad_code
from vae_core.data.datasets import load_arrays
from vae_core.data.images import upscale


@dataclass(frozen=True)
class Judged:
    """A code, its decoded image and what the shipped classifier thinks it shows."""

    point: tuple[float, ...]  # the full code
    image: np.ndarray  # uint8, enlarged
    verdict: str | None  # "looks like an 8 (93 %)"; None without a classifier
    judged_class: int | None

    @property
    def map_point(self) -> tuple[float, float]:
        return self.point[0], self.point[1]


def judge_codes(name: str, codes: list, size: int = 112) -> list[Judged]:
    """Decode codes [N, d] and say which class each decoded image looks like."""
    from vae_core.analysis.latent import decode

    model = caches.get_model(name)
    codes = np.stack([pad_code(code, model.config.latent_dim) for code in codes])
    images = decode(model, codes)  # [N, H, W(, 3)]
    judge, _ = caches.classifier(model.train_config.dataset)
    names = caches.class_names(model.train_config.dataset)
    judged = []
    for code, image, probabilities in zip(
        codes, images, judge.probabilities(images) if judge else [None] * len(codes)
    ):
        label = None if probabilities is None else int(probabilities.argmax())
        verdict = (
            None
            if label is None
            else f"looks like {names[label]} ({100 * probabilities[label]:.0f} %)"
        )
        judged.append(Judged(tuple(float(v) for v in code), upscale(image, size), verdict, label))
    return judged


@dataclass(frozen=True)
class Arithmetic:
    """An arithmetic step on the map: its arrows and the judged codes along it."""

    arrows: list[tuple[float, float, float, float, str]]
    judged: list[Judged]  # start and answer (attribute), or a, b, c and answer (analogy)
    vector: tuple[float, ...]


def attribute_shift(name: str, start, source: int, target: int, strength: float) -> Arithmetic:
    """start + strength * (mean of target - mean of source), with the class means' arrow for
    reference."""
    from vae_core.analysis.arithmetic import attribute_vector, shift

    means = caches.class_means(name)
    names = caches.class_names(caches.get_model(name).train_config.dataset)
    vector = attribute_vector(means, source, target)
    begin = pad_code(start, means.shape[1])
    end = shift(begin, vector, strength)
    arrows = [
        (*means[source][:2], *means[target][:2], f"mean {names[source]} → mean {names[target]}"),
        (*begin[:2], *end[:2], f"{strength:g} × that arrow"),
    ]
    return Arithmetic(arrows, judge_codes(name, [begin, end]), tuple(float(v) for v in vector))


def analogy(name: str, a_index: int, b_index: int, c_index: int) -> Arithmetic:
    """a : b :: c : ? with test images a, b, c: the answer c + (b - a), arrows a→b and c→answer."""
    from vae_core.analysis.arithmetic import analogy as complete

    a, b, c = caches.encoded(name).mu[[a_index, b_index, c_index]]
    answer = complete(a, b, c)
    arrows = [(*a[:2], *b[:2], "b − a"), (*c[:2], *answer[:2], "the same arrow from c")]
    return Arithmetic(arrows, judge_codes(name, [a, b, c, answer]), tuple(float(v) for v in b - a))


def analogy_target(dataset: str, a_index: int, b_index: int, c_index: int) -> int | None:
    """The class an analogy's answer should have: b's, when a and c share a class (None
    otherwise)."""
    labels = load_arrays(dataset, "test")[1]
    return int(labels[b_index]) if labels[a_index] == labels[c_index] else None


@st.cache_data(
    max_entries=12, show_spinner="Checking every class-to-class shift with the classifier…"
)
def arithmetic_check(name: str, strength: float = 1.0):
    """How often each class-mean shift decodes to the class it aims at (None without a
    classifier)."""
    from vae_core.analysis.arithmetic import check_attributes
    from vae_core.analysis.latent import decode

    model = caches.get_model(name)
    judge, _ = caches.classifier(model.train_config.dataset)
    if judge is None:
        return None
    codes = caches.encoded(name)
    return check_attributes(
        lambda z: decode(model, z), judge, codes.mu, codes.labels, strength=strength
    )
