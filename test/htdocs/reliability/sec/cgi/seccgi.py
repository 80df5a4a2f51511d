"""A CGI script that fails (run by mod_python.cgihandler)."""
SECRET = "s3cr3t-cgi-7f1c"
raise RuntimeError(SECRET)
