"""The points in every page's run where a feature adds its part (the classroom: rejoining a
room before the frame, publishing a teacher's changes after the page, the room in the address,
the room panel in the sidebar). The app shell (:mod:`explorer.app`) registers the features'
parts here and runs them, so the frame in ``core`` imports no feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

BeforeRun = Callable[[dict, str], None]  # (the pages by url path, this run's page url path)
AroundRun = Callable[[], Callable[[], None]]  # before the frame; what it returns runs at the end
Address = Callable[[], dict[str, str]]  # query parameters the feature keeps in the address
Sidebar = Callable[[], None]  # drawn in the sidebar, below the shared pickers


@dataclass
class RunHooks:
    before_run: list[BeforeRun] = field(default_factory=list)
    around_run: list[AroundRun] = field(default_factory=list)
    address: list[Address] = field(default_factory=list)
    sidebar: list[Sidebar] = field(default_factory=list)

    def register(
        self,
        before_run: BeforeRun | None = None,
        around_run: AroundRun | None = None,
        address: Address | None = None,
        sidebar: Sidebar | None = None,
    ) -> None:
        """Add a feature's parts (each at most once, however often this is called)."""
        for hooks, hook in (
            (self.before_run, before_run),
            (self.around_run, around_run),
            (self.address, address),
            (self.sidebar, sidebar),
        ):
            if hook is not None and hook not in hooks:
                hooks.append(hook)

    def address_params(self) -> dict[str, str]:
        """What the features keep in the address bar for this session."""
        params: dict[str, str] = {}
        for hook in self.address:
            params.update(hook())
        return params


HOOKS = RunHooks()
