"""imbench: measured POC load, bandwidth and cost for IM and real-time video backends."""

__version__ = "0.1.0"
