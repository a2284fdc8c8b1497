class CatalogError(Exception):
    """The catalog data is invalid. `errors` lists every problem as "file: entry: message"."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        count = len(self.errors)
        head = "; ".join(self.errors[:3]) + (f"; and {count - 3} more" if count > 3 else "")
        super().__init__(f"{count} catalog error{'s' if count != 1 else ''}: {head}")
