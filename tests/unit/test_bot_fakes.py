"""The bot's engine fake has the real Engine's surface, so tests written against it cannot drift."""

import dataclasses
import inspect

import pytest

from index.answering.engine import Engine, IndexInfo
from tests.bot_fakes import FakeEngine, FakeIndexInfo


@pytest.mark.parametrize("name", ["answer", "answer_many", "paragraph"])
def test_fake_methods_have_the_real_signatures(name):
    fake = inspect.signature(getattr(FakeEngine, name))
    real = inspect.signature(getattr(Engine, name))

    assert list(fake.parameters) == list(real.parameters)
    assert [p.default for p in fake.parameters.values()] == [p.default for p in real.parameters.values()]


@pytest.mark.parametrize("name", ["info", "sections"])
def test_fake_properties_are_properties_of_the_real_engine(name):
    assert isinstance(getattr(Engine, name), property)
    assert isinstance(getattr(FakeEngine, name), property)


def test_fake_index_info_has_the_real_fields():
    assert [f.name for f in dataclasses.fields(FakeIndexInfo)] == [
        f.name for f in dataclasses.fields(IndexInfo)
    ]
