"""The one error an import raises for a bad file: where (a JSON path) and what."""


class ImportProblem(Exception):
    """A file that cannot be imported. ``path`` is a JSONPath such as ``$.detail.diagrams[0].cells[3].source``."""

    def __init__(self, path: str, message: str):
        from .plan import sanitize

        self.path = sanitize(path or "$")
        self.message = sanitize(message)
        super().__init__(f"{self.path}: {message}")

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


def problem_from(exc, path: str, what: str = "") -> ImportProblem:
    """An ImportProblem at ``path`` from a service's ValidationError (its first field and message)."""
    prefix = f"{what}: " if what else ""
    if hasattr(exc, "error_dict"):
        field_name, messages = next(iter(exc.message_dict.items()))
        return ImportProblem(path, f"{prefix}{field_name}: {messages[0]}")
    return ImportProblem(path, prefix + "; ".join(exc.messages))
