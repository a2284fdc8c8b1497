"""Walking a parsed JSON document with its path, so that every type error names where it happened.

``Node(value)`` wraps a value and knows its JSONPath; accessors check types and raise
``ImportProblem(path, message)`` on the first mismatch. Absent keys and ``null`` mean "not given".
"""

from typing import NoReturn

from .errors import ImportProblem
from .limits import render_path

TYPE_NAMES = {dict: "an object", list: "an array", str: "text", bool: "true or false", int: "a number",
              float: "a number", type(None): "null"}


def type_name(value) -> str:
    return TYPE_NAMES.get(type(value), type(value).__name__)


class Node:
    __slots__ = ("link", "value")

    def __init__(self, value, link=None):
        self.value = value
        self.link = link

    @property
    def path(self) -> str:
        return render_path(self.link)

    def child_path(self, key) -> str:
        return render_path((self.link, key))

    def fail(self, message: str) -> NoReturn:
        raise ImportProblem(self.path, message)

    # --- shape -------------------------------------------------------------------------------
    @property
    def is_null(self) -> bool:
        return self.value is None

    def require_object(self) -> "Node":
        if not isinstance(self.value, dict):
            self.fail(f"must be an object, found {type_name(self.value)}")
        return self

    def get(self, key: str) -> "Node":
        """The child at ``key`` (a null node when absent); this node must be an object."""
        self.require_object()
        return Node(self.value.get(key), (self.link, key))

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def object(self, key: str, *, required: bool = False) -> "Node":
        child = self.get(key)
        if child.is_null:
            if required:
                child.fail("is required")
            return Node({}, child.link)
        return child.require_object()

    def array(self, key: str, *, required: bool = False) -> list["Node"]:
        """The items of the array at ``key`` ([] when absent or null)."""
        child = self.get(key)
        if child.is_null:
            if required:
                child.fail("is required")
            return []
        if not isinstance(child.value, list):
            child.fail(f"must be an array, found {type_name(child.value)}")
        return [Node(item, (child.link, i)) for i, item in enumerate(child.value)]

    # --- scalars -----------------------------------------------------------------------------
    def text(self, key: str, *, required: bool = False, default: str = "", numbers: bool = False) -> str:
        """Text at ``key``, stripped. ``numbers``: accept a number too (ids written as numbers)."""
        child = self.get(key)
        value = child.value
        if value is None:
            if required:
                child.fail("is required")
            return default
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            child.fail(f"must be text, found {type_name(value)}")
        value = value.strip()
        if required and not value:
            child.fail("must not be empty")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        child = self.get(key)
        if child.value is None:
            return default
        if not isinstance(child.value, bool):
            child.fail(f"must be true or false, found {type_name(child.value)}")
        return child.value

    def number(self, key: str, default: float | None = None) -> float | None:
        child = self.get(key)
        value = child.value
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            child.fail(f"must be a number, found {type_name(value)}")
        return value

    def texts(self, key: str) -> list[str]:
        """An array of text (null items skipped), stripped and without empty ones."""
        out = []
        for item in self.array(key):
            if item.value is None:
                continue
            if not isinstance(item.value, str):
                item.fail(f"must be text, found {type_name(item.value)}")
            if item.value.strip():
                out.append(item.value.strip())
        return out

    def identifier(self, key: str = "id", *, required: bool = True) -> str:
        """An id: text or a whole number, as text."""
        child = self.get(key)
        value = child.value
        if value is None or value == "":
            if required:
                child.fail("is required (every element needs an id)")
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            child.fail(f"must be text, found {type_name(value)}")
        if len(value) > 200:
            child.fail("an id of more than 200 characters")
        return value.strip()
