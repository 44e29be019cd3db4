"""The hub of one server process: its members stay present while their connections are open
and stop counting as soon as the last one closes, however the periodic refresh falls."""

from __future__ import annotations

import asyncio
import threading
import time

from explorer.classroom import hub as hub_module
from explorer.classroom.hub import Connection, Hub
from explorer.classroom.memory_rooms import MemoryRooms


class HeldRefresh:
    """Rooms whose refresh waits at a gate, as one on a slow network does, so a leave can
    land while the refresh is on its way. Not a MemoryRooms, so the hub calls it in a thread."""

    def __init__(self, rooms: MemoryRooms):
        self.rooms = rooms
        self.started, self.gate, self.landed = (threading.Event() for _ in range(3))

    def __getattr__(self, name):
        return getattr(self.rooms, name)

    def refresh(self, code, members) -> None:
        self.started.set()
        self.gate.wait(10)
        self.rooms.refresh(code, members)
        self.landed.set()


def test_a_member_who_left_during_a_refresh_stops_counting_at_once(monkeypatch):
    monkeypatch.setattr(hub_module, "REFRESH_SECONDS", 0.01)
    rooms = HeldRefresh(MemoryRooms())
    code, _ = rooms.open()

    async def scenario() -> list[int]:
        hub = Hub(rooms)
        connection = Connection(None, code, "ada")
        await hub.add(connection)
        counted = [rooms.present(code)]
        hub.start(asyncio.get_running_loop())
        assert await asyncio.to_thread(rooms.started.wait, 10)  # a refresh is on its way
        await hub.remove(connection)  # ada's only tab closes meanwhile
        counted.append(rooms.present(code))
        rooms.gate.set()  # the refresh lands after the leave
        assert await asyncio.to_thread(rooms.landed.wait, 10)
        deadline = time.monotonic() + 5
        while rooms.present(code) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        counted.append(rooms.present(code))
        hub._refresher.cancel()
        return counted

    assert asyncio.run(scenario()) == [1, 0, 0]


class HeldJoinAndLeave:
    """Rooms whose join and leave each wait at a gate of their own (a slow network)."""

    def __init__(self, rooms: MemoryRooms):
        self.rooms = rooms
        self.joining, self.leaving = threading.Event(), threading.Event()
        self.joining.set()
        self.leaving.set()

    def __getattr__(self, name):
        return getattr(self.rooms, name)

    def join(self, code, member):
        self.joining.wait(10)
        return self.rooms.join(code, member)

    def leave(self, code, member):
        self.leaving.wait(10)
        self.rooms.leave(code, member)


def test_a_student_joining_while_the_last_one_leaves_is_still_counted_and_let_go():
    """The last member's leave and the next member's join on the network at once: the newcomer
    is held by the hub, so closing its tab ends its presence too."""
    rooms = HeldJoinAndLeave(MemoryRooms())
    code, _ = rooms.open()

    async def scenario() -> list[int]:
        hub = Hub(rooms)
        first, second = Connection(None, code, "ada"), Connection(None, code, "bob")
        await hub.add(first)
        rooms.leaving.clear()
        rooms.joining.clear()
        leaving = asyncio.create_task(hub.remove(first))  # waits on the network
        joining = asyncio.create_task(hub.add(second))  # so does this
        await asyncio.sleep(0.05)
        rooms.leaving.set()
        await leaving  # ada's leave lands first
        rooms.joining.set()
        await joining
        counted = [rooms.present(code)]
        await hub.remove(second)
        return counted + [rooms.present(code)]

    assert asyncio.run(scenario()) == [1, 0]
