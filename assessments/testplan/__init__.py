"""A system's security test plan: the test probes, detection signals and log sources of the catalog
threats in its register, as JSON or CSV, for a CI job to run or a red team to follow."""
