"""The quality gate's dev set: a missing file fails loudly, unless a developer opts out explicitly."""

import pytest

from tests import conftest


def test_a_missing_dev_set_fails_saying_where_it_should_be(monkeypatch, tmp_path):
    missing = tmp_path / "shared" / "eval" / "dev.jsonl"
    monkeypatch.setattr(conftest, "DEV_EVAL_SKIPPED", False)

    with pytest.raises(pytest.fail.Exception) as failed:
        conftest.require_dev_set(missing)

    assert str(missing) in str(failed.value) and conftest.SKIP_DEV_EVAL in str(failed.value)


def test_a_missing_dev_set_is_skipped_only_with_the_opt_out(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "DEV_EVAL_SKIPPED", True)

    with pytest.raises(pytest.skip.Exception, match=conftest.SKIP_DEV_EVAL):
        conftest.require_dev_set(tmp_path / "dev.jsonl")


def test_the_dev_sets_are_where_the_quality_gates_read_them():
    assert conftest.require_dev_set() == conftest.DEV_SET
    assert conftest.require_dev_set(conftest.DEV_CHAT_SET) == conftest.DEV_CHAT_SET
