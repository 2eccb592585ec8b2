"""The buttons on every answer: More excerpts, Show paragraph, and 👍/👎 stored under DATA_DIR."""

import json

from bot.render import BUTTON_EXPIRED, FEEDBACK_THANKS
from tests.e2e.conftest import WAIT, button, description, pings_nobody

QUESTION = "alliance"  # the fake engine finds it in every paragraph: two pages of excerpts


async def ask(fake, question=QUESTION, **options):
    handle = await fake.send_slash_command("ask", {"question": question, **options})
    return await handle.final_message()


async def test_more_excerpts_posts_the_next_results(fake, start_bot):
    async with start_bot(results_per_answer=2):
        first = await ask(fake)

        click = await fake.click_button(first, button(first, "more"), user="bob")
        more = await click.final_message()

    assert (await click.response()).callback_type == 5
    assert "excerpts 1–2" in first.embeds[0]["footer"]["text"]
    assert "excerpts 3–4" in more.embeds[0]["footer"]["text"]
    shown_first = {line for line in description(first).splitlines() if line.startswith("> ")}
    shown_more = {line for line in description(more).splitlines() if line.startswith("> ")}
    assert len(shown_more) == 2 and not shown_first & shown_more
    assert more.custom_ids and button(more, "more") != button(first, "more")


async def test_more_excerpts_of_an_ephemeral_answer_stay_ephemeral(fake, start_bot):
    async with start_bot(results_per_answer=2):
        first = await ask(fake, ephemeral=True)

        click = await fake.click_button(first, button(first, "more"))
        more = await click.final_message()

    assert first.ephemeral and more.ephemeral


async def test_more_excerpts_past_the_last_says_that_is_all(fake, start_bot):
    async with start_bot(results_per_answer=3):
        first = await ask(fake)
        second = await (await fake.click_button(first, button(first, "more"))).final_message()

        click = await fake.click_button(second, button(second, "more"))
        last = await click.final_message()

    assert description(last) == "That's everything the essay has on this question."


async def test_show_paragraph_shows_the_whole_cited_paragraphs_to_the_clicker_only(fake, essaybot):
    answer = await ask(fake, "why did the 1950 alliance fail?")

    click = await fake.click_button(answer, button(answer, "para"), user="bob")
    shown = await click.final_message()

    assert shown.ephemeral
    titles = [embed["title"] for embed in shown.embeds]
    assert titles[0] == "A Test Essay — §The Second Alliance ¶3"
    assert shown.embeds[0]["description"] == (
        "**The alliance of 1950 failed for many reasons.** Mistrust grew on both sides."
    )
    assert pings_nobody(shown)


async def test_feedback_is_stored_under_data_dir_with_question_and_excerpt_ids(fake, start_bot, tmp_path):
    async with start_bot(data_dir=tmp_path / "state") as bot:
        answer = await ask(fake, "why did the 1950 alliance fail?")
        record = bot.services.answers.get(button(answer, "up").rsplit(":", 1)[1])

        up = await fake.click_button(answer, button(answer, "up"), user="alice")
        thanks = await up.final_message()
        down = await fake.click_button(answer, button(answer, "down"), user="bob")
        await down.final_message()

    lines = (tmp_path / "state" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    stored = [json.loads(line) for line in lines]
    assert [entry["vote"] for entry in stored] == ["up", "down"]
    assert all(entry["question"] == "why did the 1950 alliance fail?" for entry in stored)
    assert stored[0]["excerpt_ids"] == [excerpt.id for excerpt in record.excerpts]
    assert stored[0]["excerpt_ids"][0] == "test-essay#p3:0-45"
    assert [entry["user_id"] for entry in stored] == [fake.user("alice").id, fake.user("bob").id]
    assert thanks.content == FEEDBACK_THANKS and thanks.ephemeral


async def test_feedback_on_an_abstention_records_the_reason(fake, essaybot, tmp_path):
    answer = await ask(fake, "how do I bake bread?")

    await (await fake.click_button(answer, button(answer, "down"))).final_message()

    (entry,) = essaybot.services.feedback.read()
    assert entry["abstention"] == "The essay doesn't address that." and entry["excerpt_ids"] == []


async def test_buttons_keep_working_after_a_restart(fake, start_bot, tmp_path):
    async with start_bot(data_dir=tmp_path / "state"):
        answer = await ask(fake, "why did the 1950 alliance fail?")

    async with start_bot(data_dir=tmp_path / "state"):
        click = await fake.click_button(answer, button(answer, "para"))
        shown = await click.final_message(timeout=WAIT)

    assert shown.embeds[0]["title"] == "A Test Essay — §The Second Alliance ¶3"


async def test_a_button_whose_answer_was_forgotten_says_to_ask_again(fake, start_bot, tmp_path):
    async with start_bot(data_dir=tmp_path / "first"):
        answer = await ask(fake)

    async with start_bot(data_dir=tmp_path / "elsewhere"):
        click = await fake.click_button(answer, button(answer, "more"))
        event = await click.response()

    assert event.data["content"] == BUTTON_EXPIRED and event.data["flags"] & 64
