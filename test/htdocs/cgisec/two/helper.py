VALUE = "two"
