"""The table object (manual 4.5.2): a case-insensitive mapping over an
apr_table_t with duplicates, and the request's tables as live views."""

import requests

from test_api_client import request

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-table.test
    DocumentRoot {htdocs}/api/table
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/table>
        SetHandler mod_python
        PythonHandler tablemod
        PythonFixupHandler tablemod
    </Directory>
</VirtualHost>
"""

HOST = "api-table.test"


def get(httpd, path, status=200, **kwargs):
    response = httpd.get(path, host=HOST, **kwargs)
    assert response.status_code == status, response.text
    return response


def test_dict_protocol(httpd):
    out = get(httpd, "/protocol").json()
    assert out["case_get"] == "text/plain"
    assert out["case_in"] is True
    assert out["not_in"] is False
    assert out["int_in"] is False
    assert out["duplicates"] == ["a=1", "b=2"]
    assert out["len"] == 3
    assert out["keys"] == ["Content-Type", "Set-Cookie", "set-cookie"]
    assert out["values"] == ["text/plain", "a=1", "b=2"]
    assert out["items"] == [["Content-Type", "text/plain"],
                            ["Set-Cookie", "a=1"], ["set-cookie", "b=2"]]
    assert out["iter"] == out["keys"]
    assert out["get"] == "text/plain"
    assert out["get_missing"] is None
    assert out["get_default"] == "dflt"
    assert out["setdefault_old"] == "text/plain"
    assert out["setdefault_new"] == "v"
    assert out["setdefault_empty"] == ""
    assert out["after_setdefault"] == "v"
    assert out["replaced"] == ["text/html", 1]
    assert out["copy_independent"] == [False, True, "mp_table"]
    assert out["deleted"] is False
    assert out["del_missing"][0] == "KeyError"
    assert out["getitem_missing"] == ["KeyError", "'nope'"]
    assert out["pop_duplicates"] == ["a=1", "b=2"]
    assert out["pop_missing_default"] == "gone"
    assert out["pop_missing"][0] == "KeyError"
    assert out["updated"] == ["1", "2", "3", "4"]
    assert out["eq_dict"] is True
    assert out["eq_dict_other_case"] is True
    assert out["ne_dict"] is True
    assert out["eq_table"] is True
    assert out["eq_non_mapping"] is False
    assert out["popitem"] == ["D", "4"]
    assert out["popitem_len"] == len(out["dict"]) - 1
    assert out["popitem_duplicate"] == [["k", "3"], ["z", "9"], ["1", "2"]]
    assert out["repr"] == "{'a': '1'}"            # like a dict, as in 3.5
    assert out["repr_dup"] == "{'k': ['1', '2']}"
    assert out["int_key"][0] == "TypeError"
    assert out["int_value"][0] == "TypeError"
    assert out["nul_value"][0] == "ValueError"
    assert out["nul_key"][0] == "ValueError"
    assert out["hash"][0] == "TypeError"
    assert out["bytes"] == "bytes value"
    assert out["surrogates"] is True
    assert out["cleared"] == [0, []]
    assert out["popitem_empty"][0] == "KeyError"


def test_headers_out_is_live_and_add_sends_two_headers(httpd):
    response = request(httpd.port, "GET", "/headers-out", HOST)
    assert response.status == 200
    assert response.header_list(b"Set-Cookie") == [b"a=1", b"b=2"]
    assert response.header(b"X-Api-One") == b"one"
    assert response.header(b"X-Api-Err") == b"always"
    assert response.header(b"X-Removed") is None
    # a value decoded with surrogateescape goes out as the original byte
    assert response.header(b"X-Raw") == b"caf\xe9"
    assert response.json() == {"seen": ["a=1", "b=2"]}


def test_err_headers_out_survive_an_error_response(httpd):
    response = get(httpd, "/error-headers", status=404)
    assert response.headers.get("X-Api-Err") == "kept on errors"
    assert "X-Api-Normal" not in response.headers


def test_headers_in_is_the_request_table(httpd):
    result = get(httpd, "/headers-in", headers={"X-Api-Test": "value"}).json()
    assert result["lower"] == result["upper"] == "value"
    assert result["all"]["Host"] == HOST
    assert result["live"] == "yes"
    assert result["same_view"] is True


def test_assigning_a_mapping_replaces_a_table(httpd):
    response = get(httpd, "/assign")
    result = response.json()
    assert result["notes"] == {"n": "1"}
    assert result["out"] == {"X-Assigned": "yes"}
    assert result["delete"][0] == "AttributeError"
    assert response.headers.get("X-Assigned") == "yes"
    assert "X-Gone" not in response.headers


def test_notes_carry_data_between_phases(httpd):
    assert get(httpd, "/notes").json() == {"notes": "noted",
                                           "connection_notes": "mp_table"}


def test_a_table_kept_after_its_request_refuses_access(httpd):
    with requests.Session() as session:
        url = httpd.url("/keep")
        first = session.get(url, headers={"Host": HOST}, timeout=20).json()
        second = session.get(httpd.url("/stale"), headers={"Host": HOST},
                             timeout=20).json()
    assert second["pid"] == first["pid"]
    assert second["stale"][0] == "RuntimeError"


def test_table_as_mod_python_35_uses_it(httpd):
    """3.5's test_apache_table and test_connection_members: update() and
    the constructor store str() of keys and values that are not text,
    update(None) raises AttributeError, repr is a dict's, and a Python
    class may derive from apache.table."""
    out = get(httpd, "/compat35").json()
    assert out["items"] == [["1", "1"], ["2", "2.5"], ["four", "4"],
                            ["three", "3"]]
    assert out["update_none"][0] == "AttributeError"
    assert out["update_int"][0] == "AttributeError"
    assert out["empty_repr"] == "{}"
    assert out["conn_notes"] == "{}"
    assert out["subclass"] == ["str() from MyTable", ["b", "c"], True,
                               "{'a': ['b', 'c']}"]
