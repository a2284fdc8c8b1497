"""Ticket connectors: mitigations (and, if the team wants, accepted risks) as Jira or GitHub tickets kept
in step both ways. models: assessments.models.connectors; writes: services, tickets; outbound calls:
http (SSRF-guarded), clients; the status rule: mapping; inbound webhooks: hooks; Celery: tasks."""
