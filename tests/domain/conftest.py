"""The real knowledge base and its matcher, loaded once for the domain tests that read real data.

Tests on a small hand-made knowledge base (test_sorting_matcher.py) define their own `matcher`.
"""
from pathlib import Path

import pytest

from domain.sorting.kb import KnowledgeBase, load_kb
from domain.sorting.matcher import Matcher

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_kb(DATA / "kb")


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)
