"""PIA and assurance reports: HTML preview and PDF from the same templates, rendered in the background.

- ``content``: what a report says, as plain data built from the register (its SHA-256 is printed in it).
- ``coverage``: NIST AI RMF and capability coverage rules; ``svg``: the charts.
- ``render``: templates -> HTML -> WeasyPrint (PDF/A-3b, tagged) with ``fetcher`` (own static files only).
- ``services``: request (queued on commit) and the exactly-once render; ``tasks``: the Celery task.
- ``selectors``, ``views``, ``api``: team-scoped reads, pages and endpoints.
"""
