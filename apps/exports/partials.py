"""Export files while they are written, and what a stopped export left of one.

An export writes NAME.part and renames it to NAME once complete, so nobody reads half a file.
While it writes, it holds a lock on the partial file (flock), which the kernel releases however
the process ends, SIGKILL included, and lists it in EXPORT_DIR/partial (a symbolic link to it:
`manage.py export -o` writes anywhere). A listed partial file that nobody holds a lock on was
left by an export that was stopped, and is deleted: when the background worker starts and
every few seconds after (see db_worker), and at each run of `manage.py export`.
"""

import fcntl
import os
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from apps.exports.services import export_dir

# A listing whose file does not exist (yet) is kept this long: its export may be about to make it.
LISTING_KEPT_SECONDS = 60


class PartialFileInUse(Exception):
    """Another export is writing the same file now."""


def partials_dir() -> Path:
    folder = export_dir() / "partial"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


class PartialFile:
    """Write `path` through a partial file beside it: `complete()` renames it to `path`; leaving
    the block without that deletes it.

    ``with PartialFile(path) as partial: partial.file.write(...); partial.complete()``
    """

    def __init__(self, path: Path, suffix: str = ".part"):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + suffix)
        self.listed = None
        self.file: BinaryIO | None = None
        self.completed = False

    def __enter__(self) -> "PartialFile":
        # Listed before it exists: an export killed at any moment leaves no file unlisted.
        self.listed = partials_dir() / uuid.uuid4().hex
        os.symlink(self.partial.absolute(), self.listed)
        try:
            self.file = open(os.open(self.partial, os.O_WRONLY | os.O_CREAT, 0o600), "wb")
        except BaseException:
            self.listed.unlink()
            raise
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            self.listed.unlink()
            raise PartialFileInUse(self.partial) from None
        try:
            # Emptied only once it is this export's: another one may still be writing it.
            self.file.truncate()
        except BaseException:
            self.__exit__()
            raise
        return self

    def complete(self) -> None:
        self.file.flush()
        os.replace(self.partial, self.path)
        self.completed = True

    def __exit__(self, *exc_info):
        # Under the lock still: once it is released, a cleaner may take the file for abandoned.
        if not self.completed:
            self.partial.unlink(missing_ok=True)
        if self.listed is not None:
            self.listed.unlink(missing_ok=True)
        self.file.close()


def remove_abandoned_partials() -> list[Path]:
    """Delete the partial files of exports that were stopped before they could finish; return them."""
    removed = []
    for listed in partials_dir().iterdir():
        try:
            partial = Path(os.readlink(listed))
            descriptor = os.open(partial, os.O_RDONLY)
        except FileNotFoundError:
            # Complete and renamed, deleted by hand, or not made yet: a listing is made first.
            forget_if_old(listed)
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Still the file it names, not one a new export made since under the same name.
            if os.path.samestat(os.fstat(descriptor), os.stat(partial)):
                partial.unlink()
                removed.append(partial)
        except BlockingIOError:
            continue  # being written
        except FileNotFoundError:
            pass  # complete, and renamed
        finally:
            os.close(descriptor)
        listed.unlink(missing_ok=True)
    return removed


def forget_if_old(listed: Path) -> None:
    try:
        if time.time() - listed.lstat().st_mtime > LISTING_KEPT_SECONDS:
            listed.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
