"""Exceptions raised by the library; the CLI and the UI turn them into messages."""


def printable(text: str) -> str:
    """``text`` with control and invisible characters written as escapes (\\x1b, \\n), so a file
    name can neither move the cursor, erase a line nor start a new one in a terminal or a log."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def listing(items, most: int = 12) -> str:
    """Names to choose from, for a message: sorted, the first ``most`` and how many in all."""
    items = sorted(items)
    if not items:
        return "（无）"
    return "、".join(items[:most]) + (f" 等 {len(items)} 个" if len(items) > most else "")


class RagError(Exception):
    """Base class: every error the library raises on purpose."""


class DocumentError(RagError):
    """A document could not be read or decoded. ``path`` names the file."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{printable(self.path)}: {reason}")


class IndexError_(RagError):
    """The index folder is missing, damaged or built with other settings."""


class IndexMissingError(IndexError_):
    """There is no index where one was asked for (build one first)."""


class IndexMismatchError(IndexError_):
    """The index was built with settings that differ from the requested ones."""


class StorageError(IndexError_):
    """Writing failed (a full disk, an I/O error); nothing was published and nothing partial
    was left behind."""


def storage_error(exc: OSError, writing: str, unchanged: str, needed_bytes: int = 0) -> StorageError:
    """The one-line error for a failed write of ``writing`` (``needed_bytes``: what it needs, if known)."""
    import errno
    if exc.errno == errno.ENOSPC:
        needed = f" (it needs about {max(needed_bytes / 2**20, 0.1):.1f} MB)" if needed_bytes else ""
        return StorageError(f"no space left on the device while writing {printable(writing)}{needed}; free some space "
                            f"and run again ({unchanged})")
    return StorageError(f"cannot write {printable(writing)} ({exc.strerror or exc}); {unchanged}")


class IndexLockedError(IndexError_):
    """Another process is writing the same index folder."""


class EmbedderError(RagError):
    """An embedding backend is unknown, missing or failed."""


class QueryError(RagError):
    """A question cannot be answered as given (empty, too long, ...)."""


class ConfigError(RagError):
    """An option has an invalid value."""


class NothingToIndexError(RagError):
    """None of the given files could be indexed; the store was left as it was.
    ``failures`` says why for each file."""

    def __init__(self, failures, unchanged: str):
        self.failures = tuple(failures)
        super().__init__(f"no documents could be indexed; {unchanged}")
