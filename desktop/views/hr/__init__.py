"""The HR clerk's workspace (role ``hr``) and the manager's read-only view of it (``manager``):
«Сотрудники», the person card, card entry by keyboard, «Сроки» (issue 13)."""
