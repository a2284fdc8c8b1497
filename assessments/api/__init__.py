"""The register in the REST API: risks, mitigations and external ticket references (issue 5).

Thin viewsets on threatmodel.api.base.TeamScopedViewSet; every write calls assessments.services."""
