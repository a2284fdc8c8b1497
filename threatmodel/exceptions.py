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
