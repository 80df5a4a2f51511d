"""A package in the handler directory."""
