"""/about: what the bot answers from — documents, index build time, model, passages, corpus hash."""

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import render_about

if TYPE_CHECKING:
    from bot.client import EssayBot


class AboutCog(commands.Cog):
    def __init__(self, bot: "EssayBot") -> None:
        self.bot = bot

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction) -> None:
        """What EssayBot answers from: the essay, its index and the model."""
        info = self.bot.services.engines.engine.info  # stored metadata: no work for the loop
        await interaction.response.send_message(
            embed=render_about(info), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
