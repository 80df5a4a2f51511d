import time
time.sleep(0.3)
print("Content-Type: text/plain")
print()
print("slept")
