"""One wire contract (issue 12, item 6): the client checks the server's answers against the models
of desktop/sync/wire.py, the same the server's OpenAPI document describes. A malformed answer is
a Russian SyncError naming the place, never a traceback, and nothing is written from it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from desktop.sync import wire
from desktop.sync.api import Api, BadAnswer, SyncError
from desktop.sync.pull import _prepare
from server.api import sync as server_sync


def api_answering(body: Any) -> Api:
    def handler(_req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    return Api("http://127.0.0.1:9", token=lambda: "t", transport=httpx.MockTransport(handler))


def test_server_and_client_share_the_models() -> None:
    assert server_sync.PushBody is wire.PushBody and server_sync.PullAnswer is wire.PullAnswer
    assert server_sync.PushResult is wire.PushResult and server_sync.StateAnswer is wire.StateAnswer


@pytest.mark.parametrize("results", [
    [{"op_id": "x", "status": "exploded"}],
    [{"op_id": "x", "status": "applied", "version": "three"}],
    [{"status": "applied"}],
    [{"op_id": "x", "status": "rejected", "errors": ["not", "a", "map"]}],
])
def test_malformed_push_answer_is_a_russian_sync_error(results: list[Any]) -> None:
    with api_answering({"results": results}) as api, pytest.raises(BadAnswer) as exc:
        api.push("c", [{"op_id": "x"}])
    assert isinstance(exc.value, SyncError)
    assert str(exc.value).startswith("Ответ сервера на отправку не соответствует протоколу (results.0.")


def test_malformed_state_and_pull_tail() -> None:
    with api_answering({"entities": {"person": {"count": -1, "checksum": "zz"}}}) as api, \
            pytest.raises(BadAnswer, match="Ответ сервера о состоянии не соответствует протоколу"):
        api.state()
    with api_answering({"changes": [], "cursor": "c1", "has_more": "maybe"}) as api, \
            pytest.raises(BadAnswer, match="has_more"):
        api.pull("", 10)


def test_malformed_change_names_its_place_and_unknown_entities_are_skipped() -> None:
    good = {"entity": "person", "id": "p", "person_id": "p", "version": 2, "deleted": False, "row": {"phone": "1"}}
    page = _prepare({"changes": [good, {"entity": "future_thing", "id": "f", "person_id": "p", "version": 1,
                                        "deleted": False, "row": {}}], "cursor": "c"}, None, "now")
    assert page.changes == 2 and list(page.segments[0].upserts) == ["person"]
    with pytest.raises(BadAnswer) as exc:
        _prepare({"changes": [good, {**good, "version": "x"}], "cursor": "c"}, None, "now")
    assert "изменение № 2" in str(exc.value) and "version" in str(exc.value)
    with pytest.raises(BadAnswer):
        _prepare({"changes": [good, ["not", "an", "object"]], "cursor": "c"}, None, "now")


def test_action_arguments_are_checked_by_the_same_models() -> None:
    with pytest.raises(wire.WireError, match="doc_kind"):
        wire.action_args("request_confirmation", {"blob_sha256": "a" * 64, "doc_kind": "letter"})
    with pytest.raises(wire.WireError, match="Неизвестное действие"):
        wire.action_args("launch", {})
    assert wire.action_args("decide_nmo", {"status": "confirmed"}).model_dump() == {"status": "confirmed"}
