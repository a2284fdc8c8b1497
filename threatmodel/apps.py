from django.apps import AppConfig


class ThreatmodelConfig(AppConfig):
    name = "threatmodel"
    verbose_name = "Threat model"
