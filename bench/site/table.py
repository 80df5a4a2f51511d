# The page of table.psp (bench rows "psp" and "mp3.5-psp") written as a
# plain PythonHandler (bench row "psp-handler"): same data, same bytes.
from mod_python import apache


def handler(req):
    req.content_type = "text/html; charset=utf-8"
    rows = [(number, "item %d" % number, number * 1.5)
            for number in range(100)]
    req.write("<html><body><table>\n", 0)
    for number, name, price in rows:
        req.write("<tr><td>%s</td><td>%s</td><td>%.2f</td></tr>\n"
                  % (number, name, price), 0)
    req.write("</table></body></html>\n", 0)
    return apache.OK
