"""/about: what the bot answers from — documents, index build time, model, passages, corpus hash."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.parts import Parts
from bot.render import render_about
from bot.reply import NO_MENTIONS


class AboutCog(commands.Cog):
    def __init__(self, bot: commands.Bot, parts: Parts) -> None:
        self.bot = bot
        self.parts = parts

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction) -> None:
        """What EssayBot answers from, and how to ask and follow up."""
        info = self.parts.services.engines.engine.info  # stored metadata: no work for the loop
        await interaction.response.send_message(
            embed=render_about(info), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
