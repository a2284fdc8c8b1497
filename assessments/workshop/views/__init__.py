"""Workshop pages: thin views over the workshop selectors and presenter and the services of both apps."""
