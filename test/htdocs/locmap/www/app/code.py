SECRET_SOURCE = "never sent"
