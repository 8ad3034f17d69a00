"""Export and import of whole spaces in the ``kenning-jsonl`` format (use case)."""

from kenning.portable.service import ImportResult, PortabilityService

__all__ = ["ImportResult", "PortabilityService"]
