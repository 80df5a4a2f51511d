"""The PSP parser (mod_python._psp) in this Python, without Apache: each
construct, each indentation rule, each error, and a property test that
any input either becomes code that compiles or raises PSPParseError with
a line number.  test_psp.py serves the same constructs through httpd."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent
                       / "lib" / "python"))

from mod_python import _psp  # noqa: E402
from mod_python._psp import PSPParseError, parse, parsestring  # noqa: E402


class Writer:
    """What the generated code needs of req: write(data, flush)."""

    def __init__(self):
        self.parts = []

    def write(self, data, flush=1):
        self.parts.append(data)


def render(page, **names):
    """The page's output, run as PSP.run runs it (and, to compare, as
    plain module code: both must give the same output)."""
    outputs = []
    for as_module in (False, True):
        req = Writer()
        compiled = _psp._compile_string(page)
        if as_module:
            compiled.function = None
        compiled.run(dict(names, req=req))
        outputs.append("".join(req.parts))
    assert outputs[0] == outputs[1]
    return outputs[0]


def error_of(page):
    with pytest.raises(PSPParseError) as caught:
        parsestring(page)
    return caught.value


# --------------------------------------------------------------- constructs

def test_text_only():
    assert render("plain <b>text</b>\n") == "plain <b>text</b>\n"
    assert parsestring("") == "\n"


def test_text_is_never_python():
    page = "\\n \\t \\ ' \" ''' \"\"\" {x} %s \\"
    assert render(page) == page


def test_expression_and_code():
    assert render("<% x = 6 %>x*7=<%= x * 7 %>") == "x*7=42"


def test_expression_over_lines_and_with_comment():
    assert render("<%= (1 +\n 2) # three\n%>") == "3"


def test_expression_tuple():
    assert render("<%= 1, 2 %>") == "(1, 2)"


def test_comment():
    assert render("a<%-- <% 1/0 %> --%>b") == "ab"


def test_percent_gt_in_strings_does_not_end_code():
    assert render("<%= '%>' %>") == "%>"
    assert render('<% s = """\n%>\n""" %><%= len(s) %>') == "4"
    assert render("<% s = 'it\\'s %>' %><%= s %>") == "it's %>"


def test_comment_in_code_ends_at_percent_gt():
    # as in 3.5: a # comment runs to the end of the line or to %>
    assert render("<% x = 1 # don't %>[<%= x %>]") == "[1]"


def test_crlf_and_cr_are_newlines():
    lf = "<%\nfor i in range(2):\n%>\n<%= i %>\n<%\n%>\nend\n"
    assert render(lf.replace("\n", "\r\n")) == render(lf) \
        == render(lf.replace("\n", "\r"))


# ------------------------------------------------------------- indentation

def test_last_line_indentation_persists():
    page = ("<%\nfor n in range(2):\n    # This indent will persist\n%>"
            "[<%= n %>]<%\n# This line ends the block\n%>end")
    assert render(page) == "[0][1]end"


def test_colon_opens_a_suite():
    assert render("<%\nfor n in range(3):\n%><%= n %><%\n%>.") == "012."


def test_empty_block_closes_all_suites():
    page = ("<%\nfor a in range(2):\n    for b in range(2):\n%>"
            "<%= a %><%= b %> <%\n%>|")
    assert render(page) == "00 01 10 11 |"


def test_indented_last_line_keeps_outer_suite():
    page = ("<%\nfor a in range(2):\n    for b in range(2):\n%>"
            "<%= b %><%\n    # outer\n%>;<%\n%>|")
    assert render(page) == "01;01;|"


def test_one_line_suite():
    assert render("<% for i in range(3): %><%= i %><% %>.") == "012."


def test_one_line_statement_returns_to_column_zero():
    # mod_python 3.5's rule: the block's last line is at column 0
    page = "<%\nfor i in range(2):\n%>a<% y = i %>b<%= y %>"
    assert render(page) == "aab1"


def test_colon_line_with_trailing_space_and_comment_lines():
    assert render("<%\nfor i in range(2): \n%><%= i %>") == "01"
    assert render("<%\nif True:\n        \n%>x") == "x"


def test_if_else_blocks():
    page = ("<%\nif flag:\n%>yes<%\nelse:\n%>no<%\n%>!")
    assert render(page, flag=True) == "yes!"
    assert render(page, flag=False) == "no!"


def test_tab_indented_code_gets_tab_suites():
    page = "<%\nfor i in range(2):\n\tif i:\n%><%= i %><%\n%>"
    assert render(page) == "1"
    assert "\t\treq.write" in parsestring(page)


def test_text_inside_function_until_dedent():
    page = ("<%\ndef f():\n    return 2\n# end of f\n%><%= f() %>")
    assert render(page) == "2"


# ------------------------------------------- pages run as function bodies

def test_a_page_runs_as_a_function():
    compiled = _psp._compile_string("<%\nfor i in range(3):\n%><%= i %>")
    assert compiled.function is not None
    assert "i" in compiled.function.co_varnames


def test_variable_given_then_reassigned():
    assert render("<% title = title.upper() %><%= title %>",
                  title="t") == "T"


def test_builtin_read_before_the_page_shadows_it():
    assert render('<%= len("ab") %><% len = 5 %><%= len %>') == "25"


def test_name_read_before_assignment_is_a_name_error():
    with pytest.raises(NameError):
        render("<%= later %><% later = 1 %>")


def test_functions_and_classes_see_page_variables():
    page = "<%\ndef f():\n    return x\nx = 3\n%><%= f() %>"
    assert render(page) == "3"
    page = "<%\nx = 2\nclass C:\n    y = x * 2\n# end of C\n%><%= C.y %>"
    assert render(page) == "4"


def test_req_is_a_fast_local():
    # each run of text is a req.write: req is loaded once, not looked up
    # in the request's globals every time (bench/ psp row)
    compiled = _psp._compile_string("<%\nfor i in range(3):\n%>x<%= i %>")
    assert "req" in compiled.function.co_varnames
    assert render("<%\nfor i in range(3):\n%>x<%= i %>") == "x0x1x2"


def test_page_functions_see_req():
    page = ("<%\ndef hello(n):\n    req.write('h%d' % n, 0)\n# end\n%>"
            "a<% hello(1) %>")
    assert render(page) == "ah1"


@pytest.mark.parametrize("page, output", [
    ("<%\nn = 0\ndef inc():\n    global n\n    n += 1\ninc()\ninc()\n"
     "%><%= n %>", "2"),
    ("<%\ndef mine():\n    global req\n    return req\n# end\n%>"
     "<%= mine() is req %>", "True"),
    ("<% x = 1 %><%= sorted(locals()) == sorted(globals()) %>", "True"),
    ("<% from math import * %><%= floor(2.5) %>", "2"),
    ("<%\nglobal g\ng = 1\n%><%= g %>", "1"),
])
def test_pages_that_need_module_code(page, output):
    assert _psp._compile_string(page).function is None
    assert render(page) == output


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("page, line, message", [
    ("a\n<%= 1", 2, "unterminated <%= expression"),
    ("a\nb<%-- x", 2, "unterminated <%-- comment"),
    ("<%@ include file='x' %>", 1, "unknown directive"),
    ("\n\n<%@ bogus %>", 3, "unknown directive"),
    ("x\n<%@ include", 2, "unterminated <%@ directive"),
    ("<%=  %>", 1, "empty <%= %> expression"),
    ("a\n<% s = '''\n%>", 2, "unterminated triple-quoted string"),
    ("a\nb\n<%\nfor x in y\n%>", 4, "invalid Python code"),
    ("<%\nfor x in y:\n%>", 3, "after 'for' statement on line 2"),
    ("a\n<%= 1 +%>", 2, "invalid Python code"),
    ("x\n\n<%@ page encoding=\"latin-1\" %>", 3, "must start the page"),
])
def test_errors_name_the_line(page, line, message):
    error = error_of(page)
    assert error.lineno == line, str(error)
    assert message in error.msg


def test_error_str_names_file_and_line():
    assert str(error_of("\n<%= %>")) == \
        "<string>:2: empty <%= %> expression"


# --------------------------------------------------------- includes, files

def write(path, data):
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_nested_includes_relative_to_including_file(tmp_path):
    (tmp_path / "inc").mkdir()
    write(tmp_path / "top.psp", 'T<%@ include file="inc/a.psp" %>')
    write(tmp_path / "inc" / "a.psp", 'A<%@ include file="b.psp" %>')
    write(tmp_path / "inc" / "b.psp", "B<%= 1 %>")
    code = parse(str(tmp_path / "top.psp"))
    req = Writer()
    exec(code, {"req": req})
    assert "".join(req.parts) == "TAB1"


def test_include_relative_to_top_page_as_in_35(tmp_path):
    (tmp_path / "inc").mkdir()
    write(tmp_path / "top.psp", '<%@ include file="inc/a.psp" %>')
    write(tmp_path / "inc" / "a.psp", '<%@ include file="inc/b.psp" %>')
    write(tmp_path / "inc" / "b.psp", "B")
    assert "'B'" in parse(str(tmp_path / "top.psp"))


def test_parse_with_dir(tmp_path):
    write(tmp_path / "p.psp", '<%@ include file="q.psp" %>')
    write(tmp_path / "q.psp", "Q")
    assert "'Q'" in parse("p.psp", str(tmp_path) + "/")


def test_include_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.psp", 'a\n<%@ include file="b.psp" %>')
    write(tmp_path / "b.psp", 'b\n\n<%@ include file="a.psp" %>')
    with pytest.raises(PSPParseError) as caught:
        parse(str(tmp_path / "a.psp"))
    assert "include cycle" in caught.value.msg
    assert caught.value.filename.endswith("b.psp")
    assert caught.value.lineno == 3


def test_self_include_is_a_cycle(tmp_path):
    write(tmp_path / "a.psp", '<%@ include file="a.psp" %>')
    with pytest.raises(PSPParseError, match="include cycle"):
        parse(str(tmp_path / "a.psp"))


def test_include_explosion_is_bounded(tmp_path):
    for level in range(12):
        write(tmp_path / ("l%d.psp" % level),
              '<%%@ include file="l%d.psp" %%><%%@ include file="l%d.psp" %%>'
              % (level + 1, level + 1))
    write(tmp_path / "l12.psp", "x")
    started = time.monotonic()
    with pytest.raises(PSPParseError, match="more than 1000 includes"):
        parse(str(tmp_path / "l0.psp"))
    assert time.monotonic() - started < 10


def test_includes_nest_16_deep_and_no_deeper(tmp_path):
    """Doc/psp.rst: includes nested more than 16 deep are an error; 16
    are not."""
    for level in range(17):
        write(tmp_path / ("d%d.psp" % level),
              '<%%@ include file="d%d.psp" %%>' % (level + 1))
    write(tmp_path / "d17.psp", "deepest")
    assert "deepest" in parse(str(tmp_path / "d1.psp"))
    with pytest.raises(PSPParseError) as caught:
        parse(str(tmp_path / "d0.psp"))
    assert str(caught.value) == "%s:1: includes nested more than 16 deep" \
        % (tmp_path / "d16.psp")


def test_missing_include(tmp_path):
    write(tmp_path / "a.psp", 'a\n<%@ include file="nope.psp" %>')
    with pytest.raises(PSPParseError) as caught:
        parse(str(tmp_path / "a.psp"))
    assert caught.value.lineno == 2
    assert "not found: nope.psp" in caught.value.msg


def test_error_in_include_names_the_include(tmp_path):
    write(tmp_path / "a.psp", 'a\n<%@ include file="b.psp" %>')
    write(tmp_path / "b.psp", "b\nb\n<%\nif x\n%>")
    with pytest.raises(PSPParseError) as caught:
        parse(str(tmp_path / "a.psp"))
    assert caught.value.filename.endswith("b.psp")
    assert caught.value.lineno == 4


def test_encodings(tmp_path):
    write(tmp_path / "bom.psp", b"\xef\xbb\xbfcaf\xc3\xa9")
    write(tmp_path / "latin.psp",
          b'<%@ page encoding="latin-1" %>caf\xe9')
    write(tmp_path / "bad.psp", b"ok\n\xff")
    write(tmp_path / "unknown.psp", b'<%@ page encoding="nope-42" %>x')
    assert "'café'" in parse(str(tmp_path / "bom.psp"))
    assert "'café'" in parse(str(tmp_path / "latin.psp"))
    with pytest.raises(PSPParseError) as caught:
        parse(str(tmp_path / "bad.psp"))
    assert caught.value.lineno == 2
    with pytest.raises(PSPParseError, match="unknown encoding"):
        parse(str(tmp_path / "unknown.psp"))


def test_origins_map_generated_lines_to_page_lines():
    compiled = _psp._compile_string("a\n<%\nx = 1\ny = 2\n%>\n<%= x %>")
    lines = compiled.source.split("\n")
    assert compiled.origin(lines.index("y = 2") + 1) == ("<string>", 4)


# ---------------------------------------------------------------- property

FRAGMENTS = ["<%", "%>", "<%=", "<%@", "<%--", "--%>", "<%@ include "
             'file="x" %>', '"', "'", '"""', "'''", "#", ":", "\n", "\r",
             "\r\n", " ", "    ", "\t", "\\", "x", "1", "(", ")", "if 1",
             "for i in range(2)", "else", "pass", "req.write('w')", "\x00",
             "\ufeff", "é", "%", "<", ">", "-", "=", "@", "page encoding="]


def check_any_input(page):
    """The promise: PSPParseError with a line number, or code that
    compiles; never another exception."""
    try:
        source = parsestring(page)
    except PSPParseError as error:
        assert isinstance(error.lineno, int) and error.lineno >= 1, error
        return None
    compile(source, "<check>", "exec")
    return source


# random code makes the compiler warn (invalid escapes, "1if"): not ours
QUIET_COMPILER = pytest.mark.filterwarnings("ignore::SyntaxWarning",
                                            "ignore::DeprecationWarning")


@QUIET_COMPILER
def test_parser_property_seeded():
    """Always runs: 3000 seeded random pages made of PSP fragments."""
    import random
    rng = random.Random(20261206)
    for _ in range(3000):
        check_any_input("".join(rng.choice(FRAGMENTS)
                                for _ in range(rng.randrange(0, 40))))


@QUIET_COMPILER
def test_parser_property():
    hypothesis = pytest.importorskip("hypothesis")
    strategies = hypothesis.strategies
    pages = strategies.one_of(
        strategies.lists(strategies.sampled_from(FRAGMENTS),
                         max_size=60).map("".join),
        strategies.text(max_size=80))

    @hypothesis.settings(max_examples=1000, deadline=5000,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(pages)
    def check(page):
        check_any_input(page)

    check()


def test_parser_is_linear():
    """No quadratic corner: a 2 MB page with many blocks, strings and
    comments parses in seconds."""
    unit = ("<p>row</p>\n<%\nx = '%>' # it's\n%><%= x %>"
            "<%-- c --%>\n")
    page = unit * (2_000_000 // len(unit))
    started = time.monotonic()
    check_any_input(page)
    assert time.monotonic() - started < 20
    started = time.monotonic()
    with pytest.raises(PSPParseError):
        parsestring("<% s = '''" + "x %> ' \" \\\n" * 200_000)
    assert time.monotonic() - started < 5
