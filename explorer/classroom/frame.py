"""The classroom's part of every page's run, as the app shell registers it
(:mod:`explorer.core.hooks`): a new session rejoins its room and a follower catches up with the
teacher before the frame, a teacher's changes go to the room when the page's run ends, the room
stays in the address, and the room panel sits in the sidebar."""

from __future__ import annotations

from explorer.classroom import membership
from explorer.classroom.room_panel import panel
from explorer.core.hooks import RunHooks


def room_in_address() -> dict[str, str]:
    room = membership.address_room()  # a new session (a reload, a lost replica) rejoins it
    return {membership.ROOM_PARAM: room} if room else {}


def register(hooks: RunHooks) -> None:
    # What a run changes of a teacher's view goes to the room when it ends. The publisher is
    # made before the page runs: after a page's st.stop(), Streamlit refuses every use of the
    # session's state.
    hooks.register(
        before_run=membership.before_run,
        around_run=membership.publisher,
        address=room_in_address,
        sidebar=panel,
    )
