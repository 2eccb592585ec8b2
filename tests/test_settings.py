"""Settings: where each value comes from, and that the tests themselves read none of the developer's."""

import os
import subprocess
import sys
import tomllib

import pytest
from pydantic import ValidationError

from bot import settings as settings_module
from bot.settings import DEFAULTS_FILE, Settings
from tests.conftest import REPO

# Tests that build Settings from the environment (the CLI does); run again below beside a hostile .env.
SETTINGS_SENSITIVE_TESTS = [
    "tests/test_settings.py",
    "tests/test_cli.py",
]


def test_the_defaults_file_agrees_with_the_code_defaults():
    declared = tomllib.loads((REPO / DEFAULTS_FILE).read_text(encoding="utf-8"))
    fields = Settings.model_fields

    for key, value in declared.items():
        default = fields[key].get_default(call_default_factory=True)
        assert str(default) == str(value), key


def test_environment_overrides_and_id_lists_accept_commas_or_spaces(monkeypatch):
    monkeypatch.setenv("ESSAYBOT_ADMIN_USER_IDS", "12, 34 56")
    monkeypatch.setenv("ESSAYBOT_RESULTS_PER_ANSWER", "5")

    settings = Settings()

    assert settings.admin_user_ids == [12, 34, 56]
    assert settings.results_per_answer == 5


def test_the_token_is_read_from_a_docker_secret_file_and_never_shown(tmp_path, monkeypatch):
    (tmp_path / "essaybot_discord_token").write_text("secret-token-value\n")
    monkeypatch.setattr(settings_module, "SECRETS_DIR", tmp_path)
    monkeypatch.delenv("ESSAYBOT_DISCORD_TOKEN", raising=False)

    settings = Settings()

    assert settings.discord_token.get_secret_value() == "secret-token-value"
    assert "secret-token-value" not in repr(settings)
    assert "secret-token-value" not in str(settings.model_dump())


def test_index_dir_defaults_to_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ESSAYBOT_DATA_DIR", str(tmp_path))

    assert Settings().resolved_index_dir == tmp_path / "index"


def test_an_invalid_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("ESSAYBOT_RESULTS_PER_ANSWER", "lots")

    with pytest.raises(ValidationError, match="results_per_answer"):
        Settings()


def test_a_dotenv_file_is_read_below_the_environment(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("ESSAYBOT_RESULTS_PER_ANSWER=7\nESSAYBOT_COOLDOWN_SECONDS=9\n", encoding="utf-8")
    monkeypatch.setenv("ESSAYBOT_COOLDOWN_SECONDS", "2")

    settings = Settings(_env_file=dotenv)

    assert settings.results_per_answer == 7
    assert settings.cooldown_seconds == 2


def test_tests_read_no_dotenv_environment_or_secrets_of_the_developer():
    settings = Settings()

    assert settings.discord_token is None
    assert settings.results_per_answer == Settings.model_fields["results_per_answer"].default
    assert not settings_module.SECRETS_DIR.exists()


def test_a_dotenv_and_environment_of_the_developer_change_no_other_test(tmp_path):
    # What a user following the README has: a .env beside them, and perhaps variables exported too.
    hostile = {
        "ESSAYBOT_DISCORD_TOKEN": "MTIz.made-up.token",
        "ESSAYBOT_RESULTS_PER_ANSWER": "9",
        "ESSAYBOT_COOLDOWN_SECONDS": "120",
        "ESSAYBOT_ALLOWED_CHANNEL_IDS": "1",
        "ESSAYBOT_ADMIN_USER_IDS": "2",
        "ESSAYBOT_DATA_DIR": str(tmp_path / "developer-data"),
        "ESSAYBOT_CORPUS_DIR": str(tmp_path / "developer-corpus"),
        "ESSAYBOT_LOG_LEVEL": "DEBUG",
    }
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in hostile.items()), encoding="utf-8")
    env = {**os.environ, **{k: v for k, v in hostile.items() if k != "ESSAYBOT_RESULTS_PER_ANSWER"}}

    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
            "-m", "not model and not container",
            "-k", "not a_dotenv_and_environment_of_the_developer",
            *(str(REPO / path) for path in SETTINGS_SENSITIVE_TESTS),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
