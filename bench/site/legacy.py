#!/usr/bin/python3
# A small legacy CGI script, run by cgihandler (row "cgihandler") and by
# mod_cgi/mod_cgid (row "cgi").
import os
import sys

sys.stdout.write("Content-Type: text/plain\r\n\r\n")
sys.stdout.write("Hello!")
