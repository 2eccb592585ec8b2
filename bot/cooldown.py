"""Per-user cooldown between questions, with a clock that tests can drive."""

import time
from collections.abc import Callable

# Forgetting users whose cooldown has long expired keeps memory flat on a busy bot.
_PRUNE_ABOVE = 10_000


class Cooldown:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last_question: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """Seconds the user must still wait; 0.0 means "go ahead" and starts their next cooldown."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last_question.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last_question[user_id] = now
        if len(self._last_question) > _PRUNE_ABOVE:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        self._last_question = {
            user: moment for user, moment in self._last_question.items() if now - moment < self.seconds
        }
