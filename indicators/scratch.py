"""Scratch folders that a killed process leaves behind, removed by the next process.

The published state of a store is written to a folder the dataset reads its files from (a
million observations are about 160 MB), rows being proven are handed to a helper
through a folder, and the browser that draws chart images keeps its profile (about 2 MB)
in one. A process removes its folders when it ends normally, but one that is
killed (an app stopped with SIGKILL, a container taken down, a crash) runs no clean-up, and
its folders stayed in the temporary folder until the system cleared it.

So each folder holds a lock file locked for as long as the process that made it runs. The
lock is the kernel's: it is released when the process ends, however it ends. The first
time a process makes a folder of a kind, it removes every folder of that kind whose lock
it can take, the folders of processes that are gone. A folder of a live process, this
one's or another's, is never taken: its lock is held.

Where the system has no ``fcntl`` (Windows), folders are made without a lock and nothing
is swept: a killed process leaves its folders there as before.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: folders without locks, never swept (see above)
    fcntl = None

LOCK_NAME = "owner.lock"

_held: dict[Path, int] = {}  # this process's folders and the descriptors holding their locks
_swept: set[str] = set()  # the kinds (prefixes) swept by this process
_guard = threading.Lock()


def make(prefix: str) -> Path:
    """A new folder named ``prefix`` and a random ending in the temporary folder, locked
    for this process; on the first folder of a ``prefix``, the abandoned ones are removed."""
    with _guard:
        first = prefix not in _swept
        _swept.add(prefix)
    if first:
        sweep(prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if fcntl is not None:
        # Locked before it takes its name: a sweep finds a lock file only once it is locked,
        # so it never mistakes a folder being made for an abandoned one.
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".lock-")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.replace(name, folder / LOCK_NAME)
        with _guard:
            _held[folder] = descriptor
    return folder


def remove(folder: Path) -> None:
    """Remove one of this process's folders and let go of its lock."""
    folder = Path(folder)
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass  # already gone: nothing to take space
    except OSError as error:
        # Left in the temporary folder, unlocked: the next process's sweep takes it.
        warnings.warn(f"could not remove {folder} ({error})", stacklevel=2)
    finally:
        with _guard:
            descriptor = _held.pop(folder, None)
        if descriptor is not None:
            os.close(descriptor)


def sweep(prefix: str) -> list[Path]:
    """Remove the folders of ``prefix`` whose lock no process holds; the ones removed."""
    if fcntl is None:
        return []
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{glob.escape(prefix)}*"):
        try:
            descriptor = os.open(folder / LOCK_NAME, os.O_RDWR)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue  # not a locked folder of ours (being made, or another user's)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue  # its process runs
        try:
            shutil.rmtree(folder)
            removed.append(folder)
        except FileNotFoundError:
            pass  # another process's sweep removed it first
        except OSError as error:
            warnings.warn(f"could not remove the abandoned {folder} ({error})", stacklevel=2)
        finally:
            os.close(descriptor)
    return removed
