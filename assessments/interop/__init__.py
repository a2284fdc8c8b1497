"""Interoperability: import models from other threat-modeling tools, export and restore whole systems.

The pipeline, one module per step:

- ``limits``: read the uploaded bytes as JSON within the size, depth and string limits;
- ``detect`` + ``formats/*``: recognise the format and translate it into a ``plan.Plan`` (what would be
  created, with a note for everything that could not be mapped and why). Parsers are pure: no database;
- ``preview``: the plan as the import page and the API show it, against the team's earlier imports
  (a second import of the same model is offered as an update, never a duplicate);
- ``apply``: write the plan in one transaction through the register's services (each writes its audit
  event); ``restore`` adds what only a system export carries (decisions, sign-offs, report metadata);
- ``export`` / ``otm_export`` / ``coverage_csv``: get data out again.

See docs/interop.md for the mapping rules and the limits.
"""
