"""Latent arithmetic: class means, attribute vectors, analogies, and how often they work.

An attribute vector is the difference of two class means in latent space (mean of B minus
mean of A; Liu et al. 2019, "Latent Space Cartography"; White 2016, "Sampling Generative
Networks"): added to a code of class A it should move it to class B. An analogy
a : b :: c : ? answers c + (b - a). In two dimensions classes are regions, not directions,
so a shift that carries one 3 into the 8s can carry another into the 5s; the shipped
classifier (:mod:`vae_core.analysis.classifier`) measures how often the decoded answer is the class
that was meant. Everything here is numpy; ``decode`` is any function from codes [N, d] to
images in [0, 1] (any layout, N first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def class_means(codes: np.ndarray, labels: np.ndarray, classes: int | None = None) -> np.ndarray:
    """Mean code of every class (0 .. classes - 1; by default up to the largest label):
    [classes, d]. ValueError when a class has no code."""
    codes, labels = np.asarray(codes, np.float64), np.asarray(labels)
    if classes is None:
        classes = int(labels.max()) + 1 if len(labels) else 0
    means = []
    for c in range(classes):
        members = codes[labels == c]
        if len(members) == 0:
            raise ValueError(f"class {c} has no codes to average")
        means.append(members.mean(axis=0))
    return np.stack(means).astype(np.float32)


def attribute_vector(means: np.ndarray, source: int, target: int) -> np.ndarray:
    """The direction from class ``source`` to class ``target``: means[target] - means[source]."""
    return (means[target] - means[source]).astype(np.float32)


def shift(point, vector, strength: float = 1.0) -> np.ndarray:
    """point + strength * vector."""
    return (
        np.asarray(point, np.float32) + float(strength) * np.asarray(vector, np.float32)
    ).astype(np.float32)


def analogy(a, b, c) -> np.ndarray:
    """The answer of a : b :: c : ?, that is c + (b - a)."""
    a, b, c = (np.asarray(v, np.float32) for v in (a, b, c))
    return (c + (b - a)).astype(np.float32)


@dataclass(frozen=True)
class ArithmeticCheck:
    """How often an attribute shift decodes to the class it aims at."""

    # float [10, 10]: row = class moved from, column = class aimed at; share judged as the aim
    success: np.ndarray
    per_pair: int  # codes moved for each (from, to) pair
    strength: float
    classifier_accuracy: float  # of the judge, on real test images

    @property
    def overall(self) -> float:
        """Mean success over the 90 pairs of different classes."""
        off_diagonal = ~np.eye(len(self.success), dtype=bool)
        return float(self.success[off_diagonal].mean())

    def worst(self, count: int = 3) -> list[tuple[int, int, float]]:
        """(from, to, success) of the pairs that fail most."""
        pairs = [
            (i, j, float(self.success[i, j]))
            for i in range(len(self.success))
            for j in range(len(self.success))
            if i != j
        ]
        return sorted(pairs, key=lambda p: p[2])[:count]


def check_attributes(
    decode: Callable[[np.ndarray], np.ndarray],
    judge,
    codes: np.ndarray,
    labels: np.ndarray,
    per_pair: int = 100,
    strength: float = 1.0,
    seed: int = 0,
) -> ArithmeticCheck:
    """Move ``per_pair`` random codes of every class by every class-mean difference, decode,
    and let ``judge`` (a :class:`vae_core.analysis.classifier.Classifier`) say which class each
    looks
    like. The diagonal (no move) is how often the judge recognises a plain reconstruction."""
    codes, labels = np.asarray(codes, np.float32), np.asarray(labels)
    classes = judge.classes
    means = class_means(codes, labels, classes)
    rng = np.random.default_rng(seed)
    success = np.zeros((classes, classes))
    for source in range(classes):
        members = np.flatnonzero(labels == source)
        chosen = codes[
            rng.choice(members, size=min(per_pair, len(members)), replace=False)
        ]  # [n, d]
        moved = np.concatenate(
            [shift(chosen, attribute_vector(means, source, t), strength) for t in range(classes)]
        )
        verdicts = judge.predict(decode(moved)).reshape(classes, len(chosen))  # [target, n]
        success[source] = (verdicts == np.arange(classes)[:, None]).mean(axis=1)
    return ArithmeticCheck(
        success, min(per_pair, int(np.bincount(labels).min())), strength, judge.test_accuracy
    )
