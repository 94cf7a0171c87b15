"""zeronas: training-free (zero-shot) neural architecture search."""

__version__ = "0.1.0"
