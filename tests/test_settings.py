import tomllib

import pytest
from pydantic import ValidationError

from bot import settings as settings_module
from bot.settings import DEFAULTS_FILE, Settings
from tests.conftest import REPO


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
