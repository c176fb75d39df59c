"""The pull page parser (element by element, for a responsive GUI) agrees with json.loads
and refuses what json.loads refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.sync.api import parse_pull

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
changes = st.lists(st.dictionaries(st.text(max_size=8), scalars | st.dictionaries(st.text(max_size=5), scalars),
                                   max_size=5), max_size=20)


@given(changes=changes, cursor=st.text(max_size=30), more=st.booleans(), indent=st.sampled_from([None, 1]))
def test_same_as_json_loads(changes: list[dict], cursor: str, more: bool, indent: int | None) -> None:
    body = json.dumps({"changes": changes, "cursor": cursor, "has_more": more}, ensure_ascii=False,
                      indent=indent).encode()
    assert parse_pull(body) == json.loads(body)


@given(changes=changes.filter(bool), cut=st.integers(min_value=1))
def test_truncated_bodies_are_refused(changes: list[dict], cut: int) -> None:
    body = json.dumps({"changes": changes, "cursor": "c", "has_more": False}).encode()
    short = body[: cut % len(body)]
    with pytest.raises((ValueError, UnicodeDecodeError)):
        parse_pull(short)
