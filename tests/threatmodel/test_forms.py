"""One mapping of service errors onto forms and one way to run a service for a form, for every page."""

import importlib
import inspect

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from threatmodel.exceptions import VersionConflict
from threatmodel.forms import ServiceErrorsMixin, run_service

FORM_MODULES = ["threatmodel.forms", "threatmodel.team_views", "assessments.forms", "assessments.workshop.forms",
                "assessments.privacy.forms", "assessments.interop.forms", "catalog.forms"]


class Reasoned(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(required=False)
    reason = forms.CharField(required=False)
    field_aliases = {"status_reason": "reason"}


class _Row:
    """Stands in for a versioned row (VersionConflict reads its name and version)."""

    class _meta:  # noqa: N801
        verbose_name = "risk"

    def __init__(self, version):
        self.version = version


def stale(current: int) -> VersionConflict:
    return VersionConflict(_Row(current), current - 1)


def bound(**data):
    form = Reasoned({"version": 3, "reason": "", **data})
    assert form.is_valid()
    return form


@pytest.mark.parametrize("module", FORM_MODULES)
def test_no_form_keeps_its_own_copy_of_the_error_mapping(module):
    copies = [name for name, cls in inspect.getmembers(importlib.import_module(module), inspect.isclass)
              if "add_service_errors" in vars(cls) and cls is not ServiceErrorsMixin]
    assert copies == []


def test_errors_land_on_the_field_they_name_through_the_aliases():
    form = bound()
    assert not run_service(form, lambda: (_ for _ in ()).throw(ValidationError({"status_reason": "Say why."})))
    assert form.errors == {"reason": ["Say why."]}


def test_errors_on_unknown_fields_and_plain_errors_go_to_the_top_naming_the_field():
    form = bound()
    form.add_service_errors(ValidationError({"owner": "Not a member.", "__all__": "Closed."}))
    form.add_service_errors(ValidationError("Nothing to do."))
    assert form.non_field_errors() == ["owner: Not a member.", "Closed.", "Nothing to do."]


def test_a_refused_permission_is_shown_on_the_form():
    form = bound()
    assert not run_service(form, lambda: (_ for _ in ()).throw(PermissionDenied("You need the owner role.")))
    assert form.non_field_errors() == ["You need the owner role."]


def test_a_stale_write_keeps_the_input_and_moves_to_the_current_version():
    form = bound(reason="mine")
    assert not run_service(form, lambda: (_ for _ in ()).throw(stale(5)))
    assert form.data["version"] == 5 and form.data["reason"] == "mine"
    assert "Nothing was saved" in form.non_field_errors()[0]


def test_a_stale_write_can_be_merged_by_the_caller():
    seen = []
    form = bound()
    assert not run_service(form, lambda: (_ for _ in ()).throw(stale(7)), on_conflict=seen.append)
    assert [exc.current for exc in seen] == [7] and not form.errors


def test_a_write_that_succeeds_returns_true():
    assert run_service(bound(), lambda: None)
