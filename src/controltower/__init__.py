"""Control Tower: the exception control tower for distribution businesses."""

__version__ = "0.1.0"
