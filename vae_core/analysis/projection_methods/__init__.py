"""The projection methods, in one registry.

A method is what a user picks on Projections ("t-SNE"); each lives in its own module of this
package as ``METHOD`` and is found there, so adding a method is adding a module (or, from
outside the package, calling :func:`register`).
"""

from __future__ import annotations

import importlib
import pkgutil

from vae_core.analysis.projection_methods.base import ProjectionMethod

__all__ = ["METHODS", "ProjectionMethod", "get_method", "register", "unregister"]

METHODS: dict[str, ProjectionMethod] = {}  # name -> method, in their order


def register(method: ProjectionMethod) -> ProjectionMethod:
    """Add ``method`` to the registry (ValueError if its name is taken); returns it."""
    if method.name in METHODS and METHODS[method.name] != method:
        raise ValueError(f"a projection method called {method.name!r} is registered already")
    METHODS[method.name] = method
    ordered = sorted(METHODS.values(), key=lambda m: (m.order, m.name))
    METHODS.clear()
    METHODS.update((m.name, m) for m in ordered)
    return method


def unregister(method: ProjectionMethod) -> None:
    METHODS.pop(method.name, None)


def get_method(name: str) -> ProjectionMethod:
    """The method spelled ``name``; ValueError naming the choices otherwise."""
    key = str(name).strip().lower().replace("-", "")
    if key not in METHODS:
        raise ValueError(f"unknown projection {name!r}: choose one of {', '.join(METHODS)}")
    return METHODS[key]


for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        register(importlib.import_module(f"{__name__}.{_module.name}").METHOD)
