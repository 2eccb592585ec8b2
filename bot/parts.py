"""What every cog works with, built once by the client: settings, services and the bot's jobs."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.access import Access
from bot.answering import Answering
from bot.delivery import Delivery
from bot.services import InFlight, Services
from bot.settings import Settings


@dataclass(frozen=True)
class Parts:
    """Handed to each cog with the client, so that a cog never imports the client's module or another cog."""

    settings: Settings
    services: Services
    in_flight: InFlight
    access: Access  # who may ask where
    delivery: Delivery  # sending, with retries
    answering: Answering  # engine call, answer log, buttons
    status_changed: Callable[[], Awaitable[None]]  # rewrites the health status (after an index swap)
