"""Loading the embedding model: every unusable model folder is a clear ModelError, never a half-loaded model."""

import hashlib

import pytest

from index.encoding.embedding import WEIGHTS_FILE, load_embedder
from index.errors import ModelError


def test_a_missing_model_folder_names_the_setting_to_fix(tmp_path):
    with pytest.raises(ModelError, match="ESSAYBOT_MODEL"):
        load_embedder(str(tmp_path / "no-such-model"), None)


def test_a_model_folder_without_weights_says_which_file_is_missing(tmp_path):
    with pytest.raises(ModelError, match=f"{WEIGHTS_FILE} is missing"):
        load_embedder(str(tmp_path), None)


@pytest.mark.model  # the library is imported while the weights are hashed, so this imports torch
def test_weights_that_are_not_the_expected_ones_are_refused_with_both_hashes(tmp_path):
    tampered = b"not the weights you were promised"
    (tmp_path / WEIGHTS_FILE).write_bytes(tampered)
    expected = "ab" * 32

    with pytest.raises(ModelError) as raised:
        load_embedder(str(tmp_path), expected.upper())  # the setting's case does not matter

    message = str(raised.value)
    assert hashlib.sha256(tampered).hexdigest() in message
    assert expected.upper() in message
    assert "ESSAYBOT_MODEL_SHA256" in message


@pytest.mark.model  # gets as far as sentence-transformers, which imports torch
def test_weights_with_the_expected_hash_that_cannot_be_loaded_are_a_model_error(tmp_path):
    unusable = b"right hash, but no model"
    (tmp_path / WEIGHTS_FILE).write_bytes(unusable)

    with pytest.raises(ModelError, match="cannot load the model"):
        load_embedder(str(tmp_path), hashlib.sha256(unusable).hexdigest())


@pytest.mark.model
def test_the_packaged_model_loads_with_its_pinned_hash(real_embedder):
    from bot.settings import PACKAGED_MODEL_SHA256

    assert real_embedder.weights_sha256 == PACKAGED_MODEL_SHA256
    assert real_embedder.encode(["a question"]).shape == (1, real_embedder.dimension)
