import pytest

from ..factories import make_support_system


@pytest.fixture
def rag(catalog, team, contributor):
    return make_support_system(team, contributor)
