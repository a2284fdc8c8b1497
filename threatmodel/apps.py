from django.apps import AppConfig


class ThreatmodelConfig(AppConfig):
    name = "threatmodel"
    verbose_name = "Threat model"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
