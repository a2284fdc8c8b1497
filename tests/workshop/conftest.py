import pytest

from ..assessments.conftest import catalog  # noqa: F401  (the real catalog, loaded once per module)


@pytest.fixture
def rag(catalog, team, contributor):  # noqa: F811
    from ..assessments.factories import make_support_system

    return make_support_system(team, contributor)
