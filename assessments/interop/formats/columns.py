"""A model's plain columns in the system export, read back by what their model field says.

The export writes the columns that ``assessments/fields.py`` declares (``RISK_EXPORTED``,
``MITIGATION_EXPORTED``) as they are; ``read_columns`` checks each against its model field (choices,
bounds from the validators, booleans, arrays, text length), so a column added to that declaration is
exported, checked and restored without code here. A bad value is an ImportProblem naming its path.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..reader import Node, type_name


def read_columns(node: Node, model, names) -> dict:
    node.require_object()
    return {name: read_column(node, model._meta.get_field(name)) for name in names}


def _required(field) -> bool:
    return not field.blank and not field.has_default()


def read_column(node: Node, field):
    child = node.get(field.name)
    if child.is_null:
        if _required(field):
            child.fail("is required")
        return field.get_default()
    if isinstance(field, models.BooleanField):
        return node.boolean(field.name, field.get_default())
    if isinstance(field, models.IntegerField):
        return _whole(child, field)
    if isinstance(field, models.JSONField):
        if isinstance(field.get_default(), list) and not isinstance(child.value, list):
            child.fail(f"must be an array, found {type_name(child.value)}")
        return child.value
    value = node.text(field.name, required=_required(field))
    if field.choices:
        allowed = [str(v) for v, _ in field.flatchoices]
        if value not in allowed:
            child.fail(f"'{value[:40]}' is not one of {', '.join(a for a in allowed if a)}")
    if field.max_length and len(value) > field.max_length:
        child.fail(f"at most {field.max_length} characters")
    return value


def _whole(child: Node, field) -> int:
    low = max((v.limit_value for v in field.validators if isinstance(v, MinValueValidator)), default=None)
    high = min((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), default=None)
    value = child.value
    bad = isinstance(value, bool) or not isinstance(value, int)
    if bad or (low is not None and value < low) or (high is not None and value > high):
        span = f" from {low} to {high}" if low is not None and high is not None else ""
        child.fail(f"must be a whole number{span}")
    return value
