"""Slash commands end to end: the real client, synced and driven through the strict fake Discord."""

import pytest

from bot.render import MESSAGE_LIMIT, NOT_IN_THIS_CHANNEL
from tests.e2e.conftest import button, description, pings_nobody

QUESTION = "why did the 1950 alliance fail?"


async def test_commands_are_synced_with_their_options(fake, essaybot):
    commands = {(c["name"], c["type"]): c for c in fake.synced_commands()}

    assert set(commands) == {("ask", 1), ("about", 1), ("reindex", 1), ("Ask the essay", 3)}
    question, ephemeral = commands[("ask", 1)]["options"]
    assert (question["name"], question["type"], question["required"]) == ("question", 3, True)
    assert question["autocomplete"] is True and question["max_length"] == 300
    assert (ephemeral["name"], ephemeral["type"], ephemeral.get("required", False)) == ("ephemeral", 5, False)


async def test_ask_defers_at_once_then_replies_with_quoted_cited_excerpts(fake, essaybot):
    handle = await fake.send_slash_command("ask", {"question": QUESTION})

    first = await handle.response()
    message = await handle.final_message()

    assert first.callback_type == 5  # "thinking…" before any work
    (embed,) = message.embeds
    assert embed["title"] == QUESTION
    assert "> The alliance of 1950 failed for many reasons." in embed["description"]
    assert "— *A Test Essay — §The Second Alliance ¶3*" in embed["description"]
    assert not message.ephemeral
    assert [cid.split(":")[1] for cid in message.custom_ids] == ["more", "para", "follow", "up", "down"]
    assert pings_nobody(message)


async def test_the_ephemeral_option_shows_the_answer_only_to_the_asker(fake, essaybot):
    handle = await fake.send_slash_command("ask", {"question": QUESTION, "ephemeral": True})

    message = await handle.final_message()

    assert message.ephemeral
    assert "1950" in description(message)


async def test_autocomplete_offers_section_titles_and_example_questions(fake, essaybot):
    handle = await fake.send_autocomplete("ask", "question", "alliance")

    choices = await handle.choices()

    names = [choice["name"] for choice in choices]
    assert "§ The Second Alliance" in names
    assert "Why did the 1950 alliance fail?" in names
    assert all(len(choice["value"]) <= 100 for choice in choices)


async def test_abstention_says_the_essay_does_not_address_it_and_suggests_sections(fake, essaybot):
    handle = await fake.send_slash_command("ask", {"question": "how do I bake bread?"})

    message = await handle.final_message()

    text = description(message)
    assert text.startswith("The essay doesn't address that.")
    assert "§Introduction" in text
    assert [cid.split(":")[1] for cid in message.custom_ids] == ["follow", "up", "down"]


async def test_everyone_in_a_question_pings_nobody(fake, essaybot):
    handle = await fake.send_slash_command(
        "ask", {"question": "@everyone @here what about the 1950 alliance?"}
    )

    message = await handle.final_message()

    assert "@everyone" not in message.embeds[0]["title"]
    assert fake.messages_that_ping() == []
    assert all(pings_nobody(m) for m in fake.bot_messages())


async def test_a_second_question_within_the_cooldown_is_told_when_to_try_again(fake, start_bot):
    async with start_bot(cooldown_seconds=30):
        first = await fake.send_slash_command("ask", {"question": QUESTION})
        await first.final_message()

        second = await fake.send_slash_command("ask", {"question": QUESTION})
        refusal = await second.response()

    assert refusal.callback_type == 4
    assert refusal.data["flags"] & 64  # ephemeral
    assert refusal.data["content"].startswith("You're asking quickly — try again in ")
    assert refusal.data["content"].endswith(" s.")


async def test_questions_outside_the_allowed_channels_are_refused(fake, start_bot):
    async with start_bot(allowed_channel_ids=[fake.channel("announcements").id]):
        handle = await fake.send_slash_command("ask", {"question": QUESTION}, channel="general")
        refusal = await handle.response()

    assert refusal.data["content"] == NOT_IN_THIS_CHANNEL
    assert refusal.data["flags"] & 64


async def test_about_names_the_document_index_model_passages_and_corpus_hash(fake, essaybot):
    handle = await fake.send_slash_command("about")

    event = await handle.response()

    (embed,) = event.data["embeds"]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert "A Test Essay" in fields["Document"] and "Test Author" in fields["Document"]
    assert fields["Index built"].startswith("<t:")
    assert fields["Model"] == "`test/fake`"
    assert fields["Passages"] == "4 paragraphs, 8 sentences"
    assert "c" * 64 in fields["Corpus SHA-256"]


@pytest.mark.model
async def test_ask_with_the_real_engine_quotes_the_essay_verbatim(fake, start_bot, real_engine):
    async with start_bot(engine=real_engine) as bot:
        handle = await fake.send_slash_command("ask", {"question": "What was the Li-Lobanov Treaty?"})
        message = await handle.final_message(timeout=30)
        record = bot.services.answers.get(button(message, "more").rsplit(":", 1)[1])

    assert record.excerpts, "the real engine should answer this"
    for excerpt in record.excerpts:
        paragraph = real_engine.paragraph(excerpt.document, excerpt.paragraph)
        assert paragraph.text[excerpt.start : excerpt.end] == excerpt.text
        assert excerpt.citation in description(message)
    assert "Li-Lobanov" in description(message)
    assert all(len(m.content) <= MESSAGE_LIMIT for m in fake.bot_messages())
