"""A package whose __init__ fails."""
raise ImportError("broken_package cannot be initialised")
