"""The runner: the token never reaches a log line, and start-up failures end with a message that says the fix."""

import logging

import discord

from bot import runner
from bot.settings import Settings


def test_the_token_is_redacted_from_messages_and_tracebacks():
    formatter = runner.RedactingFormatter(["s3cr3t.tok3n"], "{message}", style="{")
    try:
        raise RuntimeError("Authorization: Bot s3cr3t.tok3n rejected")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "token %s", ("s3cr3t.tok3n",), (type(error), error, None)
        )

    text = formatter.format(record)

    assert "s3cr3t.tok3n" not in text
    assert text.count("[redacted]") == 2


def test_interaction_and_webhook_tokens_in_urls_are_redacted():
    formatter = runner.RedactingFormatter([], "{message}", style="{")
    line = "POST http://x/api/v10/interactions/123/aW50ZXJ.abc-_9/callback and /webhooks/456/tok.en-_1/messages/@original"
    record = logging.LogRecord("discord.http", logging.DEBUG, __file__, 1, line, (), None)

    text = formatter.format(record)

    assert text == (
        "POST http://x/api/v10/interactions/123/[redacted]/callback and /webhooks/456/[redacted]/messages/@original"
    )


def test_token_fields_in_logged_gateway_events_are_redacted():
    formatter = runner.RedactingFormatter([], "{message}", style="{")
    line = (
        "WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': {'id': '1', 'token': 'aW50ZXJ.x-_1', 'type': 2}}"
    )
    record = logging.LogRecord("discord.gateway", logging.DEBUG, __file__, 1, line, (), None)

    text = formatter.format(record)

    assert "aW50ZXJ" not in text
    assert "'token': '[redacted]', 'type': 2" in text


def test_a_missing_token_is_refused_with_a_clear_message(tmp_path, capsys, restore_logging):
    settings = Settings(_env_file=None, data_dir=tmp_path, discord_token=None)

    code = runner.run(settings)

    assert code == runner.EXIT_CONFIG
    assert "ESSAYBOT_DISCORD_TOKEN" in capsys.readouterr().err


def test_a_blank_token_counts_as_missing(tmp_path, restore_logging):
    assert runner.run(Settings(_env_file=None, data_dir=tmp_path, discord_token="  ")) == runner.EXIT_CONFIG


def test_discord_rejecting_the_token_says_invalid_token(caplog):
    with caplog.at_level(logging.ERROR):
        code = runner._exit_code(discord.LoginFailure("Improper token has been passed."))

    assert code == runner.EXIT_FAILED
    assert "invalid token" in caplog.text


def test_a_refused_privileged_intent_names_message_content(caplog):
    with caplog.at_level(logging.ERROR):
        code = runner._exit_code(discord.PrivilegedIntentsRequired(None))

    assert code == runner.EXIT_FAILED
    assert "Message Content Intent" in caplog.text


def test_an_unreachable_discord_is_one_log_line_without_a_traceback(caplog):
    import aiohttp

    from bot.runner import EXIT_FAILED, _exit_code

    error = aiohttp.ClientConnectionError(
        "Cannot connect to host discord.com:443 [Name or service not known]"
    )
    with caplog.at_level("ERROR"):
        code = _exit_code(error)

    assert code == EXIT_FAILED
    [record] = caplog.records
    assert "cannot reach Discord" in record.getMessage() and "discord.com:443" in record.getMessage()
    assert record.exc_info is None


def test_library_start_up_chatter_is_quiet_unless_debugging(restore_logging):
    import logging

    from bot.runner import configure_logging

    configure_logging("INFO", [])
    assert not logging.getLogger("faiss.loader").isEnabledFor(logging.INFO)
    configure_logging("DEBUG", [])
    assert logging.getLogger("faiss.loader").isEnabledFor(logging.DEBUG)
