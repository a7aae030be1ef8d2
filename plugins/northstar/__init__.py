"""North Star Warehouse: extraction, metric store, quality gate, publishing and review reports."""
