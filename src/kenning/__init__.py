"""Kenning: graph-native long-term memory for AI applications and agents."""

__version__ = "0.1.0"
