"""Workshop pages: thin views over the workshop selectors and the services of both apps."""
