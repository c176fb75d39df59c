"""OpenAPI links between operations: what a created row's id can be used for next.

They document the API's workflows (create a card → close it, ask for its confirmation → decide
it) and let a stateful client or fuzzer follow them with real ids instead of random ones
(tests/server/test_schemathesis_stateful.py). FastAPI has no notion of links, so they are added
to the generated document once, here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_ROW = "$response.body#/id"
_PERSON = "$response.body#/person_id"

# (producer method, producer path, status) -> {link name: (consumer method, consumer path, parameters)}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("post", "/persons", "201"): {
        "ReadRecord": ("get", "/persons/{person_id}/record", {"person_id": _ROW}),
        "ChangePerson": ("patch", "/persons/{person_id}/{entity}/{row_id}",
                         {"person_id": _ROW, "entity": "person", "row_id": _ROW}),
        "AddCard": ("post", "/persons/{person_id}/{entity}", {"person_id": _ROW, "entity": "employment"}),
    },
    ("post", "/persons/{person_id}/{entity}", "201"): {
        "ChangeRow": ("patch", "/persons/{person_id}/{entity}/{row_id}",
                      {"person_id": _PERSON, "entity": "$response.body#/entity", "row_id": _ROW}),
        "DeleteRow": ("delete", "/persons/{person_id}/{entity}/{row_id}",
                      {"person_id": _PERSON, "entity": "$response.body#/entity", "row_id": _ROW}),
        "SubmitApplication": ("post", "/applications/{row_id}/submit", {"row_id": _ROW}),
        "AskConfirmation": ("post", "/employment/{row_id}/confirmations", {"row_id": _ROW}),
        "ConfirmationHistory": ("get", "/employment/{row_id}/confirmations", {"row_id": _ROW}),
        "DecideNmo": ("post", "/admin/nmo/{row_id}/decision", {"row_id": _ROW}),
        "DecideApplication": ("post", "/admin/applications/{row_id}/decision", {"row_id": _ROW}),
    },
    ("post", "/orgs/{inn}/employment", "201"): {
        "CloseCard": ("post", "/employment/{row_id}/close", {"row_id": _ROW}),
        "ConfirmationHistory": ("get", "/employment/{row_id}/confirmations", {"row_id": _ROW}),
        "ReadPerson": ("get", "/persons/{person_id}/record", {"person_id": _PERSON}),
    },
    ("post", "/orgs/{inn}/requests", "201"): {
        "Comment": ("post", "/requests/{row_id}/comments", {"row_id": _ROW}),
        "Comments": ("get", "/requests/{row_id}/comments", {"row_id": _ROW}),
        "Answer": ("post", "/requests/{row_id}/answer", {"row_id": _ROW}),
    },
    ("post", "/employment/{row_id}/confirmations", "201"): {
        "Decide": ("post", "/confirmations/{conf_id}/decision", {"conf_id": _ROW}),
        "History": ("get", "/employment/{row_id}/confirmations", {"row_id": "$response.body#/employment_id"}),
    },
    ("post", "/admin/accounts", "201"): {
        "ChangeAccount": ("patch", "/admin/accounts/{account_id}", {"account_id": _ROW}),
        "IssueResetCode": ("post", "/admin/accounts/{account_id}/reset-code", {"account_id": _ROW}),
    },
    ("post", "/programmes", "201"): {
        "Enrol": ("post", "/programmes/{programme_id}/enrol", {"programme_id": _ROW}),
        "Enrolments": ("get", "/programmes/{programme_id}/enrolments", {"programme_id": _ROW}),
    },
    ("put", "/blobs/{sha256}", "201"): {
        "Download": ("get", "/blobs/{sha256}", {"sha256": "$request.path.sha256"}),
        "Exists": ("head", "/blobs/{sha256}", {"sha256": "$request.path.sha256"}),
    },
}


def _ref(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Put LINKS into a generated OpenAPI document (in place); a link to a missing path is an error."""
    paths = document["paths"]
    for (method, path, status), links in LINKS.items():
        answer = paths[path][method]["responses"].setdefault(status, {"description": "Создано"})
        out = answer.setdefault("links", {})
        for name, (c_method, c_path, params) in links.items():
            if c_method not in paths.get(c_path, {}):
                raise KeyError(f"link {name} points to {c_method.upper()} {c_path}, which the API does not have")
            out[name] = {"operationRef": _ref(c_method, c_path), "parameters": dict(params)}
    return document


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
