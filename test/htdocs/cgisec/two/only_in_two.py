VALUE = "only in two"
