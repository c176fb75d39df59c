"""Registry API (placeholder until the role-scoped endpoints land)."""

from fastapi import APIRouter

router = APIRouter()
