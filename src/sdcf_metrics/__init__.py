"""sdcf-metrics: sourced evidence on supervised drug consumption facilities in European cities."""

__version__ = "0.1.0"
