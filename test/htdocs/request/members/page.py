# a file for req.filename; never run
