"""What must never be traversed or published."""

import os
import os.path as osp
from os import getpid, system
from os.path import join
from functools import partial
from collections import OrderedDict


def index():
    return "security index"


def _private():
    return "private function"


_secret = "private value"


class Klass:
    """A class: neither traversed nor published."""

    def method(self):
        return "class method"


class Holder:
    def ok(self):
        return "holder ok"


holder = Holder()
holder.module = os
holder.imported_function = join
holder.builtin = getpid


def function_with_attribute():
    return "function"


function_with_attribute.attribute = "attribute of a function"

remove = partial(os.remove, "/nonexistent")
ordered = OrderedDict(a=1)
text = "some text"
