from django.core.exceptions import ValidationError


class VersionConflict(Exception):
    """A write was based on an old version of the object."""

    def __init__(self, obj, expected: int | None):
        self.obj = obj
        self.expected = expected
        self.current = getattr(obj, "version", None)
        super().__init__(
            f"{obj._meta.verbose_name} was changed by someone else "
            f"(you edited version {expected}, current is {self.current})"
        )


class Conflict(ValidationError):
    """A write that clashes with another object (e.g. a unique key already taken): the API answers 409,
    naming the field; pages treat it like any ValidationError."""
