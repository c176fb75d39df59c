"""The pull page parser (element by element, for a responsive GUI) agrees with json.loads
and refuses what json.loads refuses."""

from __future__ import annotations

import json
from unittest import mock

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


entity_changes = st.lists(st.fixed_dictionaries({
    "entity": st.sampled_from(["person", "employment"]), "id": st.text(max_size=6),
    "row": st.none() | st.dictionaries(st.text(max_size=5), scalars | st.lists(
        st.fixed_dictionaries({"entity": scalars}), max_size=2), max_size=4)}), max_size=30)


@given(changes=entity_changes, chunk=st.integers(min_value=1, max_value=300), indent=st.sampled_from([None, 1]),
       sep=st.sampled_from([(",", ":"), (", ", ": ")]))
def test_sliced_same_as_json_loads(changes: list[dict], chunk: int, indent: int | None,
                                   sep: tuple[str, str]) -> None:
    """Cut into slices at change starts — including where a row nests an object that also
    starts with "entity" (that slice is refused and the page decoded change by change)."""
    from desktop.sync import api

    body = json.dumps({"changes": changes, "cursor": "c1.x", "has_more": True}, ensure_ascii=False,
                      indent=indent, separators=sep).encode()
    with mock.patch.object(api, "_CHUNK_CHARS", chunk):
        assert parse_pull(body) == json.loads(body)


@given(changes=entity_changes.filter(bool), cut=st.integers(min_value=1), chunk=st.integers(min_value=1,
                                                                                            max_value=300))
def test_sliced_truncated_bodies_are_refused(changes: list[dict], cut: int, chunk: int) -> None:
    from desktop.sync import api

    body = json.dumps({"changes": changes, "cursor": "c", "has_more": False}).encode()
    with mock.patch.object(api, "_CHUNK_CHARS", chunk), pytest.raises((ValueError, UnicodeDecodeError)):
        parse_pull(body[: cut % len(body)])


def test_sliced_always_moves_on() -> None:
    """Blanks between changes (", ") with a slice shorter than them once made the cut fall
    before the slice start: the parser spun forever on an empty slice."""
    from desktop.sync import api

    changes = [{"entity": "person", "id": str(i), "row": None} for i in range(5)]
    for sep in ((", ", ": "), (",\n   ", ":")):
        body = json.dumps({"changes": changes, "cursor": "c", "has_more": False}, separators=sep).encode()
        for chunk in range(1, 60):
            with mock.patch.object(api, "_CHUNK_CHARS", chunk):
                assert parse_pull(body) == json.loads(body)
