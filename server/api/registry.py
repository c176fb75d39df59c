"""All registry routers (role-scoped), mounted by server.app."""

from __future__ import annotations

from fastapi import APIRouter

from server.api import admin, operator_files, programmes, records, reports, staff, workflows

router = APIRouter()
for r in (records.router, staff.router, workflows.router, admin.router, programmes.router, reports.router,
          operator_files.router):
    router.include_router(r)
