VALUE = "one"
