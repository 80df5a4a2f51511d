"""handler is not callable."""
handler = 42
