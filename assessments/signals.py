"""Signals the register's services send, so that what is built on top of them (the ticket connectors)
follows a change without the services importing it. Receivers are connected in AppConfig.ready."""

from django.dispatch import Signal

# Sent inside the writing transaction, after a mitigation change is recorded in the audit trail:
# sender=Mitigation, mitigation=<the saved row>, changes={field: [old, new]}.
mitigation_changed = Signal()
