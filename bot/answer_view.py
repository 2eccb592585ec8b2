"""The buttons on every answer and the Follow up modal; which answer a message is, from its buttons."""

# Each button's custom id names its action and the answer's key in the answer log (``essaybot:more:<key>``),
# so buttons keep working after a restart (they are dynamic items, dispatched by pattern rather than per
# message), and a reply to an answer finds the answer it continues.

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import discord
from discord.ext import commands

from bot.render import FOLLOW_UP_LABEL, FOLLOW_UP_TITLE

MORE, PARAGRAPH, FOLLOW, UP, DOWN = "more", "para", "follow", "up", "down"
ACTIONS = (MORE, PARAGRAPH, FOLLOW, UP, DOWN)
_BUTTONS: dict[str, dict[str, Any]] = {
    MORE: {"label": "More excerpts", "style": discord.ButtonStyle.primary},
    PARAGRAPH: {"label": "Show paragraph", "style": discord.ButtonStyle.secondary},
    FOLLOW: {"label": "Follow up", "style": discord.ButtonStyle.secondary},
    UP: {"emoji": "👍", "style": discord.ButtonStyle.secondary},
    DOWN: {"emoji": "👎", "style": discord.ButtonStyle.secondary},
}
KEY = r"[0-9a-f]{16}"
BUTTON_ID = re.compile(rf"essaybot:(?P<action>{'|'.join(ACTIONS)}):(?P<key>{KEY})")
# Unique per opening: two people following up on one answer each get their own modal.
MODAL_ID = re.compile(rf"essaybot:ask:(?P<key>{KEY}):[0-9a-f]{{8}}")
MAX_FOLLOW_UP = 300  # as /ask's question
BUTTONS_COG = "AnswerButtons"  # the cog that handles the buttons; items find it by name, not by import


@runtime_checkable
class ButtonHandler(Protocol):
    """What the buttons cog offers the buttons (found by name: this module imports no cog)."""

    async def handle(self, action: str, key: str, interaction: discord.Interaction) -> None: ...


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_ID.pattern):
    def __init__(self, action: str, key: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"essaybot:{action}:{key}", **_BUTTONS[action]))
        self.action = action
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: "re.Match[str]", /
    ) -> "AnswerButton":
        return cls(match["action"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        bots = (commands.Bot, commands.AutoShardedBot)  # the sharded one is no subclass of Bot
        cog = client.get_cog(BUTTONS_COG) if isinstance(client, bots) else None
        if not isinstance(cog, ButtonHandler):
            raise LookupError(f"no {BUTTONS_COG} cog to handle the button {self.custom_id!r}")
        await cog.handle(self.action, self.key, interaction)


def answer_view(key: str, actions: Iterable[str]) -> discord.ui.View:
    """The buttons for an answer, in the order given."""
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(AnswerButton(action, key))
    return view


def actions_for(*, quotes: bool, more: bool) -> tuple[str, ...]:
    """Which buttons an answer gets: paging and the paragraph view only where it quotes the essay."""
    paging = (MORE,) if quotes and more else ()
    paragraph = (PARAGRAPH,) if quotes else ()
    return (*paging, *paragraph, FOLLOW, UP, DOWN)


def follow_up_modal(key: str) -> discord.ui.Modal:
    """The modal the Follow up button opens: one text field.

    It is stopped before it is sent, so discord.py does not keep it in memory: every submission, also one
    after a restart, reaches the buttons cog's ``on_interaction`` and is read with ``modal_question``.
    """
    modal = discord.ui.Modal(title=FOLLOW_UP_TITLE, custom_id=f"essaybot:ask:{key}:{secrets.token_hex(4)}")
    modal.add_item(
        discord.ui.TextInput(
            label=FOLLOW_UP_LABEL,
            custom_id="question",
            style=discord.TextStyle.short,
            min_length=1,
            max_length=MAX_FOLLOW_UP,
            placeholder="and why?",
        )
    )
    modal.stop()
    return modal


def modal_question(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """(answer key, typed text) from a Follow up modal's submission data, or None if it is not ours."""
    match = MODAL_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    texts: list[str] = []
    for row in data.get("components") or []:
        inner = row.get("components") or ([row["component"]] if row.get("component") else [])
        texts += [str(item.get("value") or "") for item in inner if item.get("type") == 4]
    return match["key"], " ".join(texts)


def answer_key(components: Iterable[Any]) -> str | None:
    """The answer-log key in a message's buttons (discord.py components), or None if it has none."""
    for component in components:
        custom_id = getattr(component, "custom_id", None)
        match = BUTTON_ID.fullmatch(custom_id) if isinstance(custom_id, str) else None
        if match is not None:
            return match["key"]
        found = answer_key(getattr(component, "children", ()) or ())
        if found is not None:
            return found
    return None
