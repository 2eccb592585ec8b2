"""Nothing the bot sends can ping anyone: checked on the wire, in every request the fake Discord recorded."""

from typing import Any

from tests.e2e.conftest import WAIT, button
from tests.fake_discord.recorder import RecordedRequest

CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
EDIT_ORIGINAL = "PATCH /webhooks/{application_id}/{token}/messages/@original"
CHANNEL_MESSAGE = "POST /channels/{channel_id}/messages"
EVERYONE = "@everyone @here"


def message_body(request: RecordedRequest) -> dict[str, Any] | None:
    """The message a request creates or edits, as it went over the wire; None if it carries none."""
    body = request.json
    if request.route == CALLBACK and isinstance(body, dict):
        body = body.get("data")  # a callback wraps its message; a deferral has none
    if isinstance(body, dict) and any(key in body for key in ("content", "embeds", "components")):
        return body
    return None


def allows_no_mentions(allowed: Any) -> bool:
    """``allowed_mentions`` present and allowing nothing: absent, Discord would parse every mention."""
    return (
        isinstance(allowed, dict)
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )


async def test_every_message_is_sent_with_no_allowed_mentions(fake, start_bot):
    general = fake.channel("general")
    mention = fake.world.bot.mention
    async with start_bot(cooldown_seconds=30, results_per_answer=2, allowed_channel_ids=[general.id]):
        asked = await fake.send_slash_command(
            "ask", {"question": f"{EVERYONE} why did the 1950 alliance fail?"}
        )
        answer = await asked.final_message()
        for action in ("more", "para"):
            await (await fake.click_button(answer, button(answer, action))).final_message()
        await (await fake.click_button(answer, button(answer, "up"))).response()
        await (await fake.send_slash_command("ask", {"question": "again?"})).response()  # cooldown
        await (
            await fake.send_slash_command("ask", {"question": "here?"}, channel="announcements", user="bob")
        ).response()  # not in this channel
        await (await fake.send_slash_command("about", user="bob")).response()
        await (await fake.send_slash_command("reindex", user="bob")).response()  # not an admin
        target = await fake.send_message("general", "olivia", "", embeds=[{"title": "no text"}])
        await (await fake.send_message_command("Ask the essay", target, user="olivia")).response()
        question = await fake.send_message("general", "bob", f"{mention} {EVERYONE} what about 1950?")
        await fake.wait_for_message("general", after=question, timeout=WAIT)
        direct = await fake.send_dm("olivia", f"{EVERYONE} what was the treaty of 1896?")
        await fake.wait_for_message(direct.channel_id, after=direct, timeout=WAIT)

    sent = [(request, body) for request in fake.requests if (body := message_body(request)) is not None]
    assert {request.route for request, _ in sent} >= {CALLBACK, EDIT_ORIGINAL, CHANNEL_MESSAGE}
    assert len(sent) >= 10
    unsafe = [(request, body.get("allowed_mentions")) for request, body in sent]
    assert [entry for entry in unsafe if not allows_no_mentions(entry[1])] == []
    assert fake.messages_that_ping() == []
