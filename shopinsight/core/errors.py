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
