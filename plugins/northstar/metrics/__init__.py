"""The metric registry and the north star metric tree."""

from northstar.metrics.registry import MetricDefinition, Owner, Registry, load_registry

__all__ = ["MetricDefinition", "Owner", "Registry", "load_registry"]
