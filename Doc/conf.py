# Sphinx configuration for the mod_python manual.
#
# Build with:  make -C Doc html   (sphinx-build -W: warnings are errors)
# The .rst files are also meant to be read as plain text.  Their code
# examples are run by test/test_docs.py, steered by the ".. example NAME:"
# comments after them (invisible in the built manual).

project = "mod_python"
author = "Apache Software Foundation"
copyright = "Apache Software Foundation, Apache License 2.0"
version = "4.0"
release = "4.0.0"

extensions = []
master_doc = "index"
language = "en"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "mod_python %s manual" % release
