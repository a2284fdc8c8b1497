"""One parser per format: ``parse(root: Node, *, filename) -> Plan``. Parsers are pure (no database)."""
