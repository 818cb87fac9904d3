"""Keep parsed YAML scenarios in `__pycache__`, as Python keeps compiled modules.

Building Python values from YAML is most of the collection time of a large
suite. The parsed documents of `dir/test_x.yml` are pickled to
`dir/__pycache__/test_x.yml.play-N.pickle`, keyed by a digest of the file's
bytes (and this format and Python version), and used only while they match.
Any problem reading or writing the cache just means parsing again. Whoever can
write `__pycache__` can already run code through `.pyc` files, so this trusts
nothing new; `PYTHONDONTWRITEBYTECODE` turns writing off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

FORMAT = 2
_SUFFIXES = (".yml", ".yaml")


def _cache_path(path: Path) -> str:
    # os.path, not pathlib: this runs once per collected file
    directory, name = os.path.split(path)
    return os.path.join(directory, "__pycache__", f"{name}.play-{FORMAT}.pickle")


def _key(data: bytes) -> bytes:
    version = f"{FORMAT}:{sys.version_info[:2]}".encode()
    return hashlib.blake2b(version + data, digest_size=16).digest()


def load(path: Path, data: bytes) -> Any | None:
    """The cached documents of `path` if they were parsed from these very bytes."""
    if not os.fspath(path).endswith(_SUFFIXES):
        return None
    try:
        with open(_cache_path(path), "rb") as file:
            key, documents = pickle.load(file)
    except Exception:  # missing, unreadable, or written by another version: parse again
        return None
    return documents if key == _key(data) else None


def store(path: Path, data: bytes, documents: Any) -> None:
    if sys.dont_write_bytecode or not os.fspath(path).endswith(_SUFFIXES):
        return
    target = _cache_path(path)
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temporary, "wb") as file:
            pickle.dump((_key(data), documents), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)  # readers never see half a file, even under xdist
    except (OSError, pickle.PicklingError, RecursionError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
