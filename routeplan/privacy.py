"""Pseudonymous photographers: replace user ids by salted hashes before sharing a photos table.

The hash of a user id ``u`` with the salt ``s`` is::

    hashlib.blake2b(f"{s}\\0{u}".encode("utf-8"), digest_size=8).hexdigest()

16 hex characters; the same user and salt always give the same hash, another salt gives another
one. The salt is required: an unsalted hash of a public id (a Flickr NSID) is reversed by hashing
every known id. Keep the salt secret and reuse it only where tables must stay joinable.

What is replaced (see :func:`hash_users`): ``user_id``; the first component of ``photo_id`` values
that are paths (photo folders are named after their photographer), hashed like a user id so that
a folder named after its user gets that user's hash; the user part of ``trip_id``
(``"<user>#<n>"``); ``artist`` (EXIF Artist) values. The ``path`` column (absolute paths with the
folder names) is dropped. Not touched: ids that a table gives its photos (a Flickr photo id can
still be looked up online unless ``hash_photo_ids=True``), titles, and the positions and times
themselves, which can identify a person on their own.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["hash_ids", "hash_paths", "hash_users"]

_TEXT_DTYPE = pd.Series(["text"]).dtype  # object on pandas 2, "str" on pandas 3

#: Hex characters of a hash (blake2b with an 8-byte digest).
HASH_LENGTH: int = 16

FrameT = TypeVar("FrameT", bound=pd.DataFrame)


def _check_salt(salt: object) -> str:
    if not isinstance(salt, str) or not salt:
        raise InputError(
            "a non-empty salt (text) is required to hash user ids; without one the hash of a "
            "public id is reversed by hashing every known id"
        )
    return salt


def _hash(value: str, salt: str) -> str:
    return hashlib.blake2b(f"{salt}\0{value}".encode(), digest_size=HASH_LENGTH // 2).hexdigest()


def hash_ids(values: pd.Series, *, salt: str) -> pd.Series:
    """Salted hashes of text values (one hash computed per distinct value; missing stays missing).

    Parameters
    ----------
    values
        Ids (converted to text).
    salt
        Secret text mixed into every hash (required, non-empty).

    Returns
    -------
    pandas.Series
        Hashes (16 hex characters) with the index of ``values``.
    """
    salt = _check_salt(salt)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    hashed = np.array([_hash(str(value), salt) for value in uniques] + [None], dtype=object)
    out = pd.Series(hashed[codes], index=values.index, dtype=object)  # code -1 → None
    return out.astype(_TEXT_DTYPE)


def hash_paths(values: pd.Series, *, salt: str) -> pd.Series:
    """Hash the first ``/``-separated component of path-like values (``"user/IMG_1.jpg"`` →
    ``"<hash of user>/IMG_1.jpg"``); values without a ``/`` are kept as they are.

    Parameters
    ----------
    values
        Relative paths with ``/`` separators.
    salt
        As for :func:`hash_ids`.
    """
    salt = _check_salt(salt)
    text = values.astype(object)
    parts = text.str.partition("/")
    is_path = (parts[1] == "/").to_numpy()
    out = text.copy()
    if is_path.any():
        heads = hash_ids(parts.loc[is_path, 0], salt=salt).astype(object)
        out[is_path] = heads + "/" + parts.loc[is_path, 2]
    return out.astype(_TEXT_DTYPE)


def hash_users(photos: FrameT, *, salt: str, hash_photo_ids: bool = False) -> FrameT:
    """A copy of a photos (or visits) table with its photographers replaced by salted hashes.

    Parameters
    ----------
    photos
        A table with ``user_id``; ``photo_id``, ``trip_id``, ``artist``, ``source`` and
        ``path`` are handled when present (see the module docstring).
    salt
        Secret text mixed into every hash (required, non-empty).
    hash_photo_ids
        Also replace every ``photo_id`` by its hash (ids that a table gives, such as Flickr
        photo ids, can be looked up to find their owner). Default: only path components.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Same type, rows and order as ``photos``.

    Raises
    ------
    InputError
        The salt is missing or empty, or ``photos`` has no ``user_id`` column.
    """
    salt = _check_salt(salt)
    if "user_id" not in photos.columns:
        raise InputError("hash_users needs a 'user_id' column")
    out = photos.copy()
    out["user_id"] = hash_ids(out["user_id"], salt=salt)
    if "photo_id" in out.columns:
        if hash_photo_ids:
            out["photo_id"] = hash_ids(out["photo_id"], salt=salt)
        else:
            from_table = (
                (out["source"] == "table").to_numpy(dtype=bool)
                if "source" in out.columns
                else np.zeros(len(out), dtype=bool)
            )
            if (~from_table).any():
                ids = out["photo_id"].copy()
                ids[~from_table] = hash_paths(ids[~from_table], salt=salt)
                out["photo_id"] = ids
    if "trip_id" in out.columns:
        parts = out["trip_id"].astype(object).str.rpartition("#")
        users = hash_ids(parts[0], salt=salt).astype(object)
        out["trip_id"] = (users + "#" + parts[2]).astype(_TEXT_DTYPE)
    if "artist" in out.columns:
        out["artist"] = hash_ids(out["artist"], salt=salt)
    if "path" in out.columns:
        out = out.drop(columns="path")
    return out
