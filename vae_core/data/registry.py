"""One registry of named objects, in their order: the model kinds, the projection methods and
the places trainings run each keep theirs in one (``name`` and ``order`` are all it asks)."""

from __future__ import annotations

from typing import Generic, TypeVar

Item = TypeVar("Item")


class Registry(dict, Generic[Item]):
    """name -> object, ordered by the objects' ``order`` then name; ``what`` names them in
    messages ("a model kind")."""

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def register(self, item: Item) -> Item:
        """Add ``item`` (ValueError if another object has its name); returns it."""
        if item.name in self and self[item.name] != item:
            raise ValueError(f"{self.what} called {item.name!r} is registered already")
        self[item.name] = item
        ordered = sorted(self.values(), key=lambda i: (i.order, i.name))
        self.clear()
        self.update((i.name, i) for i in ordered)
        return item

    def unregister(self, item: Item) -> None:
        self.pop(item.name, None)
