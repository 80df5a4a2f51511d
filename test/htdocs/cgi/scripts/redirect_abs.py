print("Location: http://example.test/elsewhere")
print()
