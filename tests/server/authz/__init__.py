"""The authorization decision table of docs/security.md, stated again here and checked everywhere.

Generated, not hand-picked: every route of the app (``app.routes``) × role × relation of the target
to the caller (own / staff / authored / elsewhere) × existing or non-existent target, and every push
operation kind × entity × role × relation × existing or non-existent target. The expectations come
from the tables (``may_read``, ``may_change`` in table.py, ``ROUTES`` in routes.py), written from
docs/security.md and never computed by ``server.policy`` (that would only test the code against itself).

Properties checked on every answer:
- allowed → the success code of the route (or the precise 409 its state gives), a push op
  ``applied`` (``conflict`` for a create of an id the caller may read);
- refused, target readable → 403 / push ``rejected`` with ``_permission``;
- refused, target unreadable → exactly the answer for a non-existent id (status and body, ids
  removed), push results byte-identical without ``op_id``;
- no answer to any caller contains a value of a row the caller may not read (each fixture row
  carries unique marker values: passport number, phone, document numbers, comment texts …);
- a create with the id of an existing unreadable row never returns ``theirs``;
- a refused change leaves the row as it was (versions read from the database afterwards).

A route of the app missing from ``ROUTES`` fails ``test_every_route_is_in_the_matrix``, a push op
kind or workflow action of the wire contract missing from ``OP_KINDS``/``ACTION_TABLE`` fails
``test_every_push_op_kind_and_action_is_in_the_matrix``: new ones have to be placed in a table.

The package: helpers (no tests) — table.py (the decision table), values.py (marker values, op
builders), world.py (the fixture world ``Mx``), calls.py (single calls), routes.py (the route table);
conftest.py builds the world once per backend for the package. Tests — test_push_matrix.py,
test_route_matrix.py (every route), test_actions_matrix.py (workflow actions through push),
test_found_items.py (the issue's "Found" items 1–8, ``test_item*``), test_change_rules.py (the
change table's per-field and per-state rules), test_scope.py (hidden ids, lists and /sync/state
against the pull, scope ending with the last confirmed card, a confirmation following its card),
test_journal.py (journaled reads), test_files.py (files named in workflows).
"""
