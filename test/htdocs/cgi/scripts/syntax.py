print("Content-Type: text/plain"
