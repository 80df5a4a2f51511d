"""Raises KeyboardInterrupt while being imported."""
raise KeyboardInterrupt("interrupted while importing")
