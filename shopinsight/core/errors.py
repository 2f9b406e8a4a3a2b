"""The only errors a user ever sees: a title and a plain explanation of what to do."""

from __future__ import annotations


class ShopInsightError(Exception):
    """A problem the user can act on. Front ends show `title` and `detail`, never a traceback."""

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__(f"{title}: {detail}" if detail else title)
        self.title = title
        self.detail = detail


class InputError(ShopInsightError):
    """A file, option or column the user gave cannot be used."""


class ConfigError(ShopInsightError):
    """shopinsight.toml has a value that cannot be used."""


class WorkspaceError(ShopInsightError):
    """The workspace is missing, locked or unreadable."""


# How a full or read-only disk shows in errors: OSError errno, or the text of the Rust error
# Polars wraps in a ComputeError when writing Parquet ("No space left on device (os error 28)").
_DISK_ERRNOS = {
    28: "the disk is full",
    30: "the folder is read-only",
    122: "the disk quota is used up",
}
_DISK_WORDS = {
    "no space left": "the disk is full",
    "os error 28": "the disk is full",
    "disk quota": "the disk quota is used up",
    "os error 122": "the disk quota is used up",
    "read-only file system": "the folder is read-only",
    "os error 30": "the folder is read-only",
}


def disk_error(exc: BaseException) -> WorkspaceError | None:
    """A write that failed because the disk is full or read-only, as a WorkspaceError the
    merchant can act on; None for any other error. Polars reports these as a ComputeError
    (not an OSError), so a front end or the workspace asks here before calling it a bug."""
    reason = _DISK_ERRNOS.get(getattr(exc, "errno", None) or -1)
    if reason is None:
        text = str(exc).lower()
        reason = next((why for words, why in _DISK_WORDS.items() if words in text), None)
    if reason is None:
        return None
    where = getattr(exc, "filename", None)
    return WorkspaceError(
        "Cannot write to the workspace" + (f" ({where})" if where else ""),
        f"Writing failed because {reason}. Files are replaced only once written in full, so "
        "nothing half-written was kept. Free some space (or make the folder writable) and run "
        "the command again.",
    )
