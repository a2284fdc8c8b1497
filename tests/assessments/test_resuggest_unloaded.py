"""Re-suggest before the catalog is loaded into the database (no template rows): nothing to suggest yet."""

import pytest

from assessments.models import Risk
from assessments.resuggest import resuggest_system

from ..factories import make_system

pytestmark = pytest.mark.django_db


def test_resuggest_without_template_rows_skips_and_writes_nothing(empty_catalog, team, contributor, caplog):
    system = make_system(team, contributor, answers={"internet_facing": True})
    result = resuggest_system(system.pk)
    assert result.matches and result.skipped_refs and not result.created
    assert not Risk.objects.exists()
    assert "is the catalog loaded?" in caplog.text
