"""Errors a person can act on. Each carries a Russian message safe to show as is."""

from __future__ import annotations

import errno


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
        "Восстановите хранилище из резервной копии («Файл → Восстановить…» или frmr restore) или "
        "создайте профиль заново и загрузите "
        "данные с сервера ФРМР при синхронизации."
    )


class VaultLocked(VaultError):
    hint = "Разблокируйте хранилище."


class ProfileError(VaultError):
    pass


_OS_ERRORS = {
    errno.ENOENT: "файл или папка не найдены",
    errno.EACCES: "нет прав доступа",
    errno.EPERM: "нет прав доступа",
    errno.EISDIR: "это папка, а не файл",
    errno.ENOTDIR: "часть пути — файл, а не папка",
    errno.EEXIST: "на этом месте уже есть файл",
    errno.ENOSPC: "на диске нет места",
    errno.EROFS: "диск доступен только для чтения",
    errno.ENAMETOOLONG: "слишком длинное имя",
}


def describe_os_error(exc: OSError) -> str:
    """What went wrong with a file, in Russian (not the Python class name)."""
    return _OS_ERRORS.get(exc.errno or 0, f"ошибка ввода-вывода ({exc.strerror or exc.errno})")
