"""Raises MemoryError while being imported."""
raise MemoryError("no memory while importing")
