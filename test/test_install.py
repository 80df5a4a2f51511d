"""`make install DESTDIR=...` and `pip install` put every file in place.

The Makefile's own variables (LIBEXECDIR, PY_PURELIB, BINDIR, ...) are
asked from make itself, so the test follows whatever ./configure found.
`make -o src/mod_python.so` installs the module as built, without
rebuilding it while other tests may be using it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import REPO

pytestmark = pytest.mark.skipif(not (REPO / "Makefile").is_file(),
                                reason="run ./configure first (no Makefile)")

MAKE = ["make", "--no-print-directory", "-C", str(REPO),
        "-o", "src/mod_python.so"]


def make_variable(name, *overrides):
    """The value make gives variable name (with overrides)."""
    result = subprocess.run(
        MAKE + list(overrides) + ["-f", "Makefile", "-f", "-",
                                  "print-var"],
        input="print-var:\n\t@echo '$(%s)'\n" % name,
        capture_output=True, text=True, check=True)
    return result.stdout.strip()


def make_install(destdir, *overrides):
    result = subprocess.run(MAKE + ["install", "DESTDIR=%s" % destdir]
                            + list(overrides),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def staged(destdir, path):
    return Path(str(destdir) + path)


@pytest.fixture(scope="module")
def debian_install(tmp_path_factory):
    """make install into a temporary DESTDIR with the Debian layout."""
    destdir = tmp_path_factory.mktemp("destdir")
    output = make_install(destdir, "APACHE_LAYOUT=debian")
    return destdir, output


def test_installs_the_module(debian_install):
    destdir, _ = debian_install
    dso = staged(destdir, make_variable("LIBEXECDIR")) / "mod_python.so"
    assert dso.read_bytes() == (REPO / "src" / "mod_python.so").read_bytes()
    assert os.stat(dso).st_mode & 0o755 == 0o755


def test_installs_the_package_byte_compiled(debian_install):
    destdir, _ = debian_install
    package = staged(destdir, make_variable("PY_PURELIB")) / "mod_python"
    for name in ("__init__.py", "__main__.py", "apache.py", "cli.py",
                 "logbridge.py"):
        assert (package / name).read_text() == \
            (REPO / "lib" / "python" / "mod_python" / name).read_text()
    python = make_variable("PYTHON_BIN")
    tag = subprocess.run([python, "-c", "import sys; "
                          "print(sys.implementation.cache_tag)"],
                         capture_output=True, text=True,
                         check=True).stdout.strip()
    pyc = package / "__pycache__" / ("apache.%s.pyc" % tag)
    assert pyc.is_file()
    # the bytecode records the final path, not the staging one
    assert str(destdir).encode() not in pyc.read_bytes()


def test_installs_the_command(debian_install):
    destdir, _ = debian_install
    command = staged(destdir, make_variable("BINDIR")) / "mod_python"
    assert os.access(command, os.X_OK)
    assert command.read_text().startswith(
        "#!%s\n" % make_variable("PYTHON_BIN"))
    purelib = staged(destdir, make_variable("PY_PURELIB"))
    result = subprocess.run([str(command), "version"], capture_output=True,
                            text=True, env=dict(os.environ,
                                                PYTHONPATH=str(purelib)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("mod_python %s (package %s/mod_python)"
                                    % (make_variable("MP_VERSION"), purelib))


def test_writes_a2enmod_files(debian_install):
    destdir, output = debian_install
    mods = staged(destdir, "/etc/apache2/mods-available")
    assert (mods / "python.load").read_text() == (
        "LoadModule python_module %s/mod_python.so\n"
        % make_variable("LIBEXECDIR"))
    conf = (mods / "python.conf").read_text()
    # a commented example only: enabling the module changes nothing else
    assert all(line.startswith("#") for line in conf.splitlines()), conf
    assert "#    AddHandler mod_python .py" in conf
    assert "a2enmod python" in output


def test_python_conf_example_is_valid_apache_configuration(debian_install,
                                                           tmp_path):
    """Uncommented, python.conf passes apache2 -t with the module loaded."""
    from harness import Httpd
    destdir, _ = debian_install
    conf = staged(destdir, "/etc/apache2/mods-available/python.conf")
    lines = conf.read_text().splitlines()
    # the header ends with a line "#"; the example follows, commented out
    example = "\n".join(line[1:] for line in lines[lines.index("#") + 1:])
    server = Httpd("event")
    try:
        returncode, output = server.config_test(example)
    finally:
        server.cleanup()
    assert returncode == 0, output


def test_source_built_httpd_layout(tmp_path):
    """httpd's own layout (/usr/local/apache2): conf/extra/httpd-python.conf
    with the LoadModule line and a commented example."""
    output = make_install(tmp_path, "APACHE_LAYOUT=httpd",
                          "APACHE_SYSCONFDIR=/usr/local/apache2/conf",
                          "LIBEXECDIR=/usr/local/apache2/modules")
    assert staged(tmp_path,
                  "/usr/local/apache2/modules/mod_python.so").is_file()
    conf = staged(tmp_path, "/usr/local/apache2/conf/extra/httpd-python.conf")
    lines = conf.read_text().splitlines()
    assert ("LoadModule python_module /usr/local/apache2/modules/"
            "mod_python.so") in lines
    assert '#<Directory "/usr/local/apache2/htdocs/python">' in lines
    assert not staged(tmp_path, "/etc/apache2").exists()
    assert "Include conf/extra/httpd-python.conf" in output


def test_existing_python_conf_is_kept(tmp_path):
    mods = staged(tmp_path, "/etc/apache2/mods-available")
    mods.mkdir(parents=True)
    (mods / "python.conf").write_text("# edited by the administrator\n")
    make_install(tmp_path, "APACHE_LAYOUT=debian")
    assert (mods / "python.conf").read_text() == \
        "# edited by the administrator\n"
    assert (mods / "python.load").is_file()


def test_pip_installs_the_package_and_the_command(tmp_path):
    """`pip install .` of the Python package alone, offline."""
    python = make_variable("PYTHON_BIN")
    if subprocess.run([python, "-m", "pip", "--version"],
                      capture_output=True).returncode != 0:
        pytest.skip("pip is not installed for %s (apt-get install "
                    "python3-pip)" % python)
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy2(REPO / "setup.py", source)
    shutil.copytree(REPO / "lib", source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "target"
    result = subprocess.run(
        [python, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
         "--no-index", "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PIP_ROOT_USER_ACTION="ignore",
                 PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (target / "mod_python" / "apache.py").is_file()
    assert (target / "mod_python" / "cli.py").is_file()
    command = target / "bin" / "mod_python"
    assert os.access(command, os.X_OK)
    result = subprocess.run([str(command), "--version"], capture_output=True,
                            text=True, env=dict(os.environ,
                                                PYTHONPATH=str(target)))
    assert result.stdout.strip() == "mod_python %s" % make_variable(
        "MP_VERSION"), result.stderr


def fake_dpkg(tmp_path, owner):
    """A dpkg whose -S says owner owns any path (or nothing owns it)."""
    dpkg = tmp_path / "dpkg"
    if owner:
        dpkg.write_text('#!/bin/sh\necho "%s: $2"\n' % owner)
    else:
        dpkg.write_text('#!/bin/sh\necho "dpkg-query: no path found '
                        'matching pattern $2" >&2\nexit 1\n')
    dpkg.chmod(0o755)
    return dpkg


def make_install_dso(tmp_path, dpkg, *overrides):
    libexecdir = tmp_path / "modules"
    result = subprocess.run(
        MAKE + ["install_dso", "LIBEXECDIR=%s" % libexecdir,
                "DPKG=%s" % dpkg] + list(overrides),
        capture_output=True, text=True, timeout=120)
    return result, libexecdir / "mod_python.so"


def test_install_over_debians_package_says_what_to_remove(tmp_path):
    dpkg = fake_dpkg(tmp_path, "libapache2-mod-python")
    result, dso = make_install_dso(tmp_path, dpkg, "CHECK_DPKG=yes")
    assert result.returncode != 0
    assert "belongs to the Debian package libapache2-mod-python" \
        in result.stderr
    assert "sudo apt-get remove libapache2-mod-python" in result.stderr
    assert "sudo make install && sudo a2enmod python" in result.stderr
    assert "sudo dpkg-divert --local --rename --add %s" % dso in result.stderr
    assert not dso.exists()


def test_install_over_a_diverted_module_proceeds(tmp_path):
    """After the dpkg-divert the message offers, the package's upgrades
    write mod_python.so.distrib: installing ours is safe."""
    dpkg = fake_dpkg(tmp_path, "libapache2-mod-python")
    divert = tmp_path / "dpkg-divert"
    divert.write_text('#!/bin/sh\necho "$2.distrib"\n')
    divert.chmod(0o755)
    result, dso = make_install_dso(tmp_path, dpkg, "CHECK_DPKG=yes",
                                   "DPKG_DIVERT=%s" % divert)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is diverted (the package's copy goes to %s.distrib)" % dso \
        in result.stdout
    assert dso.read_bytes() == (REPO / "src" / "mod_python.so").read_bytes()


def debian_package_installed():
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status}", "libapache2-mod-python"],
        capture_output=True, text=True)
    return result.returncode == 0 and "installed" in result.stdout.split()


@pytest.mark.skipif(shutil.which("dpkg") is None,
                    reason="not a Debian system (no dpkg)")
def test_check_follows_the_real_package_state():
    """Against this machine's dpkg and Apache module directory: the
    install stops exactly when Debian's 3.5 package is installed."""
    libexecdir = make_variable("LIBEXECDIR")
    result = subprocess.run(MAKE + ["check_dpkg", "CHECK_DPKG=yes"],
                            capture_output=True, text=True, timeout=60)
    if debian_package_installed() and subprocess.run(
            ["dpkg-divert", "--truename", libexecdir + "/mod_python.so"],
            capture_output=True, text=True).stdout.strip() == \
            libexecdir + "/mod_python.so":
        assert result.returncode != 0
        assert "belongs to the Debian package libapache2-mod-python" \
            in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert "belongs to" not in result.stderr


def test_install_without_debians_package_proceeds(tmp_path):
    result, dso = make_install_dso(tmp_path, fake_dpkg(tmp_path, None),
                                   "CHECK_DPKG=yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert dso.read_bytes() == (REPO / "src" / "mod_python.so").read_bytes()


def test_staged_install_does_not_ask_dpkg(tmp_path):
    """A package build (DESTDIR) does not care what the host has."""
    dpkg = fake_dpkg(tmp_path, "libapache2-mod-python")
    result, _ = make_install_dso(tmp_path, dpkg,
                                 "DESTDIR=%s" % (tmp_path / "stage"))
    assert result.returncode == 0, result.stdout + result.stderr


def make_test_command(pytest_args):
    result = subprocess.run(MAKE + ["-n", "test",
                                    "PYTEST_ARGS=%s" % pytest_args],
                            capture_output=True, text=True, check=True)
    return result.stdout.replace("\\\n", " ").split("-m pytest", 1)[1]


def test_make_test_runs_only_the_files_given():
    """./scripts/test.sh test/test_tutorial.py ran the whole suite."""
    words = make_test_command("test/test_tutorial.py").split()
    assert "test/test_tutorial.py" in words
    assert "test/" not in words
    words = make_test_command("-k publisher").split()
    assert words[-1] == "test/"
