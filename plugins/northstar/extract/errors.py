"""Errors raised by extraction. Each message names the file or value and the fix."""

from __future__ import annotations


class ExtractionError(RuntimeError):
    """Base class: a source or landing batch cannot be extracted or loaded as it is."""


class SourceNotFoundError(ExtractionError):
    """A source database, export file or delivery folder does not exist."""


class SourceSchemaError(ExtractionError):
    """A source table lacks a declared table or column."""


class MalformedDeliveryError(ExtractionError):
    """A source file exists but cannot be parsed (invalid JSON, CSV or values)."""


class SchemaDriftError(SourceSchemaError):
    """A declared or already loaded column was dropped, renamed or changed its type."""


class SourceUnavailableError(ExtractionError):
    """A source server rejected or timed out every connection attempt."""


class SourceConfigError(ExtractionError):
    """A source connection, setting or masking key is missing or invalid."""


class LandingBatchError(ExtractionError):
    """A landing batch is missing, incomplete or was extracted from an outdated watermark."""


REPLAY_HINT = (
    "replay the sources first: make replay, or python -m northstar.sources.replay --until DAY"
)
