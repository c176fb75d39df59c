"""Fixtures of the authorization matrix: one world per backend for the whole package.

The matrix's world (``Mx``: a few thousand rows pushed through the API, files, sessions) is the
expensive part of these tests, and every module reads it: it is built once per backend for the
package, not per module. The tests are written not to depend on each other's changes to it (each
matrix uses rows of its own purpose, each focused test makes its own persons).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.authz.world import Mx
from tests.server.conftest import BACKENDS, World, seeded_world


@pytest.fixture(scope="package", params=BACKENDS)
def matrix_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded world per backend for the whole package (tests/server/conftest.py's
    ``shared_world`` is per module)."""
    yield from seeded_world(str(request.param), tmp_path_factory)


@pytest.fixture(scope="package")
def mx(matrix_world: World) -> Mx:
    return Mx(matrix_world)
