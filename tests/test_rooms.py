import math
import threading
import time

import pytest

from explorer.rooms import IDLE_SECONDS, MEMBER_SECONDS, RoomError, RoomRegistry, normalise_code


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rooms(clock):
    return RoomRegistry(clock)


def test_codes_are_short_readable_and_forgiving_when_typed(rooms):
    code, token = rooms.open()
    assert len(code) == 5 and not set(code) & set("01OI") and len(token) == 32
    assert normalise_code(f" {code[:2].lower()}-{code[2:]} ") == code
    for bad in ["", "K7M2", "K7M2QQ", "K7M0Q", "<script>", None, "ÄÖÜ12"]:
        with pytest.raises(RoomError, match="Room codes are 5 letters and digits"):
            normalise_code(bad)


def test_students_join_follow_the_teachers_view_and_leave(rooms):
    code, token = rooms.open()
    assert rooms.join(code.lower(), "ada") == code
    assert rooms.follow(code, "ada") == (0, {}, 0)
    assert rooms.publish(code, token, {"page": "Latent_map", "map_z": [0.5, -1.0]}) == 1
    assert rooms.publish(code, token, {"page": "Latent_map", "map_z": [0.5, -1.0]}) == 1  # nothing changed
    version, view, _ = rooms.follow(code, "ada")
    assert version == 1 and view["map_z"] == [0.5, -1.0]
    rooms.join(code, "bob")
    assert rooms.present(code) == 2
    rooms.leave(code, "bob")
    assert rooms.present(code) == 1
    rooms.leave("ZZZZZ", "bob")  # leaving a closed room is harmless


def test_only_the_teacher_changes_a_room(rooms):
    code, token = rooms.open()
    rooms.join(code, "ada")
    for action in (lambda: rooms.publish(code, "guess", {"page": "x"}), lambda: rooms.start_quiz(code, "guess", 3),
                   lambda: rooms.close(code, "guess"), lambda: rooms.reveal(code, token[:-1] + ("1" if token.endswith("0") else "0"))):  # fmt: skip
        with pytest.raises(RoomError, match="Only the teacher"):
            action()
    assert rooms.follow(code, "ada")[0] == 0


def test_an_unknown_or_closed_room_is_refused_with_a_message(rooms):
    with pytest.raises(RoomError, match="No room ABCDE on this server"):
        rooms.join("abcde", "ada")
    code, token = rooms.open()
    rooms.close(code, token)
    with pytest.raises(RoomError, match=f"No room {code}"):
        rooms.follow(code, "ada")


def test_idle_rooms_expire_and_absent_students_stop_counting(rooms, clock):
    code, token = rooms.open()
    rooms.join(code, "ada")
    clock.now += MEMBER_SECONDS + 1
    assert rooms.present(code) == 0
    rooms.follow(code, "ada")
    assert rooms.present(code) == 1
    clock.now += IDLE_SECONDS - 10
    rooms.publish(code, token, {"page": "Home"})  # the teacher keeps it alive
    clock.now += IDLE_SECONDS - 10
    assert rooms.follow(code, "ada")[0] == 1
    clock.now += IDLE_SECONDS + 1
    with pytest.raises(RoomError, match="No room"):
        rooms.follow(code, "ada")


def test_a_quiz_collects_one_answer_per_student_until_revealed(rooms):
    code, token = rooms.open()
    with pytest.raises(RoomError, match="No quiz is waiting"):
        rooms.answer(code, "ada", (0.0, 0.0))
    rooms.start_quiz(code, token, 7)
    quiz_version = rooms.follow(code, "ada")[2]
    rooms.answer(code, "ada", (0.1, 0.2))
    rooms.answer(code, "ada", (1.0, 2.0))  # a changed mind: the last click counts
    rooms.answer(code, "bob", [-1, 0.5])
    assert rooms.follow(code, "ada")[2] == quiz_version  # answers do not wake the followers
    quiz = rooms.quiz(code)
    assert quiz.target == 7 and quiz.answers == {"ada": (1.0, 2.0), "bob": (-1.0, 0.5)} and not quiz.revealed
    for bad in [(math.nan, 0), (1e9, 0), "here", (1,), None]:
        with pytest.raises(RoomError):
            rooms.answer(code, "eve", bad)
    rooms.reveal(code, token)
    assert rooms.quiz(code).revealed and rooms.follow(code, "ada")[2] == quiz_version + 1
    with pytest.raises(RoomError, match="No quiz is waiting"):
        rooms.answer(code, "eve", (0, 0))
    rooms.end_quiz(code, token)
    assert rooms.quiz(code) is None
    with pytest.raises(RoomError, match="one of the ten classes"):
        rooms.start_quiz(code, token, 12)


def test_followers_catch_up_one_at_a_time(monkeypatch):
    from explorer import classroom

    inside, most, count = [0], [0], threading.Lock()

    def follower() -> None:
        with classroom.catch_up_turn():
            with count:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            with count:
                inside[0] -= 1

    threads = [threading.Thread(target=follower) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert classroom._catch_up_turn.acquire(blocking=False)  # every turn was given back
    classroom._catch_up_turn.release()


def test_a_run_holding_the_turn_can_take_it_again_and_a_stuck_turn_is_waited_for_briefly(monkeypatch):
    from explorer import classroom

    with classroom.catch_up_turn(), classroom.catch_up_turn():  # a full run's catch-up, then its fragment's
        pass
    monkeypatch.setattr(classroom, "CATCH_UP_WAIT", 0.01)
    held, release = threading.Event(), threading.Event()

    def stuck() -> None:
        with classroom.catch_up_turn():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=stuck)
    thread.start()
    held.wait(5)
    try:
        ran = []
        with classroom.catch_up_turn():
            ran.append(True)
        assert ran  # it ran without the turn
    finally:
        release.set()
        thread.join()
    assert classroom._catch_up_turn.acquire(blocking=False)  # and left the stuck run's turn alone until it ended
    classroom._catch_up_turn.release()


def test_listeners_are_the_present_followers_and_go_when_they_stop_or_leave(rooms, clock):
    code, token = rooms.open()
    for member in ("ada", "bob", "cy"):
        rooms.join(code, member)
    rooms.follow(code, "ada", listener="ada's session")
    rooms.follow(code, "bob", listener="bob's session")
    rooms.follow(code, "cy")  # a poll leaves no listener
    assert sorted(rooms.listeners(code)) == ["ada's session", "bob's session"]
    rooms.follow(code, "ada", listener="ada's new tab")  # the newest listener replaces the old
    rooms.stop_listening(code, "bob")
    assert rooms.listeners(code) == ["ada's new tab"]
    rooms.follow(code, "bob", listener="bob's session")
    rooms.leave(code, "bob")
    assert rooms.listeners(code) == ["ada's new tab"]
    clock.now += MEMBER_SECONDS + 1  # ada's tab went quiet: no one is told any more
    assert rooms.listeners(code) == []
    rooms.follow(code, "ada")
    assert rooms.listeners(code) == ["ada's new tab"]
    rooms.close(code, token)
    rooms.stop_listening(code, "ada")  # a closed room needs nothing
    with pytest.raises(RoomError):
        rooms.listeners(code)
