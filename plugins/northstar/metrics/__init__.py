"""The metric registry and the north star metric tree."""

from northstar.metrics.registry import (
    MetricDefinition,
    Owner,
    Registry,
    RegistryError,
    load_registry,
    registry_path,
)

__all__ = [
    "MetricDefinition",
    "Owner",
    "Registry",
    "RegistryError",
    "load_registry",
    "registry_path",
]
