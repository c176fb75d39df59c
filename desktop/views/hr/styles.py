"""The few colours of the HR views (errors beside fields, warnings, highlighted expiries)."""

from __future__ import annotations

ERROR_STYLE = "color: #b00020;"
INVALID_STYLE = "border: 1px solid #b00020; border-radius: 2px;"
WARN_STYLE = "color: #7a4f00;"
EXPIRED_BG = "#fde7e9"
SOON_BG = "#fff4ce"
MUTED = "#6b6b6b"
