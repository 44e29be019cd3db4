"""The projection methods, in one registry.

A method is what a user picks on Projections ("t-SNE"); each lives in its own module of this
package as ``METHOD`` and is found there, so adding a method is adding a module (or, from
outside the package, calling :func:`register`).
"""

from __future__ import annotations

import importlib
import pkgutil

from vae_core.analysis.projection_methods.base import ProjectionMethod
from vae_core.data.registry import Registry

__all__ = ["METHODS", "ProjectionMethod", "get_method", "register", "unregister"]

METHODS: Registry[ProjectionMethod] = Registry("a projection method")  # name -> method, in order
register, unregister = METHODS.register, METHODS.unregister


def get_method(name: str) -> ProjectionMethod:
    """The method spelled ``name``; ValueError naming the choices otherwise."""
    key = str(name).strip().lower().replace("-", "")
    if key not in METHODS:
        raise ValueError(f"unknown projection {name!r}: choose one of {', '.join(METHODS)}")
    return METHODS[key]


for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        register(importlib.import_module(f"{__name__}.{_module.name}").METHOD)
