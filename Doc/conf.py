# Sphinx configuration for the mod_python manual.
#
# Build with:  sphinx-build -b html Doc Doc/_build/html
# The .rst files are also meant to be read as plain text.

project = "mod_python"
author = "Apache Software Foundation"
copyright = "Apache Software Foundation, Apache License 2.0"
version = "4.0"
release = "4.0.0"

extensions = []
master_doc = "index"
exclude_patterns = ["_build"]
