"""Errors a person can act on. Each carries a Russian message safe to show as is."""

from __future__ import annotations


class VaultError(Exception):
    """Base: ``str(exc)`` is the message for the person; ``hint`` says what to do."""

    hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class WrongPassphrase(VaultError):
    hint = "Проверьте раскладку клавиатуры и Caps Lock. Если фраза забыта, используйте ключ восстановления."


class TooManyAttempts(VaultError):
    def __init__(self, message: str, wait_s: float) -> None:
        super().__init__(message, "Подождите и попробуйте снова.")
        self.wait_s = wait_s


class DamagedVault(VaultError):
    hint = (
        "Восстановите хранилище из резервной копии или создайте профиль заново и загрузите "
        "данные с сервера ФРМР при синхронизации."
    )


class VaultLocked(VaultError):
    hint = "Разблокируйте хранилище."


class ProfileError(VaultError):
    pass
