"""The script's environment, as JSON."""
import json
import os

print("Content-Type: application/json")
print()
print(json.dumps(dict(os.environ)))
