"""Reconcile before the catalog is loaded into the database (no template rows): nothing to suggest yet."""

import pytest

from assessments.models import Risk
from assessments.reconcile import reconcile_system

from ..factories import make_system

pytestmark = pytest.mark.django_db


def test_reconcile_without_template_rows_skips_and_writes_nothing(team, contributor, caplog):
    system = make_system(team, contributor, answers={"internet_facing": True})
    result = reconcile_system(system.pk)
    assert result.matches and result.skipped_refs and not result.created
    assert not Risk.objects.exists()
    assert "is the catalog loaded?" in caplog.text
