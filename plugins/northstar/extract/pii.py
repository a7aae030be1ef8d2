"""Masking of personal-data columns, applied to every batch before it is written to disk.

`hash` replaces a value by its HMAC-SHA256 under a secret key, so equal values stay equal
(joins and distinct counts still work) but cannot be reversed without the key, and a dictionary
of guessed names is useless without it. `mask_email` keeps the first character and the domain;
`mask_phone` keeps the last four digits and the punctuation.

The key comes from the NORTHSTAR_PII_KEY variable or, failing that, from the `key` extra of
the Airflow connection `northstar_pii`. The embedded demo falls back to a fixed key with a
warning; the servers setting raises instead, because a known key makes the hashes reversible.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os

import pyarrow as pa

from northstar.extract.errors import SourceConfigError

log = logging.getLogger(__name__)

PII_KEY_ENV = "NORTHSTAR_PII_KEY"
PII_CONN_ID = "northstar_pii"
DEMO_PII_KEY = "northstar-embedded-demo-key"
# Trailing digits a phone mask leaves readable, as on a card receipt.
PHONE_VISIBLE_DIGITS = 4


def resolve_pii_key(setting: str) -> bytes:
    """Return the masking key for `setting` (embedded or servers)."""
    key = os.environ.get(PII_KEY_ENV)
    if not key and setting == "servers":
        key = _key_from_connection()
    if key:
        return key.encode("utf-8")
    if setting == "servers":
        raise SourceConfigError(
            f"no key for masking personal data: set {PII_KEY_ENV} or the 'key' extra of the "
            f"Airflow connection {PII_CONN_ID!r}"
        )
    log.warning("no %s set: the embedded demo masks personal data with its fixed key", PII_KEY_ENV)
    return DEMO_PII_KEY.encode("utf-8")


def _key_from_connection() -> str | None:
    from northstar.extract.connections import get_connection

    try:
        connection = get_connection(PII_CONN_ID)
    except SourceConfigError:
        return None
    return connection.extra_dejson.get("key")


def keyed_hash(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    digits = sum(character.isdigit() for character in value)
    hidden = max(digits - PHONE_VISIBLE_DIGITS, 0)
    masked = []
    for character in value:
        if character.isdigit() and hidden > 0:
            masked.append("*")
            hidden -= 1
        else:
            masked.append(character)
    return "".join(masked)


def mask_batch(batch: pa.RecordBatch, methods: dict[str, str], key: bytes) -> pa.RecordBatch:
    """Return `batch` with each column named in `methods` masked; nulls stay null."""
    if not methods:
        return batch
    maskers = {
        "hash": lambda value: keyed_hash(value, key),
        "mask_email": mask_email,
        "mask_phone": mask_phone,
    }
    arrays = list(batch.columns)
    for index, name in enumerate(batch.schema.names):
        method = methods.get(name)
        if method is None:
            continue
        masker = maskers[method]
        values = arrays[index].cast(pa.string()).to_pylist()
        arrays[index] = pa.array(
            [None if value is None else masker(value) for value in values], type=pa.string()
        )
    schema = pa.schema(
        [pa.field(f.name, pa.string()) if f.name in methods else f for f in batch.schema]
    )
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
