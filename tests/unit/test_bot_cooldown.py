"""Per-user cooldown between questions."""

from bot.cooldown import Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_second_question_within_the_cooldown_is_told_how_long_to_wait():
    clock = Clock()
    cooldown = Cooldown(5, clock)

    first = cooldown.retry_after(1)
    clock.now += 2
    second = cooldown.retry_after(1)

    assert first == 0.0
    assert second == 3.0


def test_the_cooldown_is_per_user():
    cooldown = Cooldown(5, Clock())

    assert cooldown.retry_after(1) == 0.0
    assert cooldown.retry_after(2) == 0.0


def test_after_the_cooldown_the_user_may_ask_again():
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.retry_after(1)

    clock.now += 5

    assert cooldown.retry_after(1) == 0.0


def test_a_refused_question_does_not_restart_the_cooldown():
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.retry_after(1)
    clock.now += 4
    cooldown.retry_after(1)

    clock.now += 1

    assert cooldown.retry_after(1) == 0.0


def test_zero_seconds_means_no_cooldown():
    cooldown = Cooldown(0, Clock())

    assert cooldown.retry_after(1) == 0.0
    assert cooldown.retry_after(1) == 0.0
