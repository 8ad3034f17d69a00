"""Importers turn known conversation formats into episodes."""
