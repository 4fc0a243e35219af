"""HTTP routes, one module per resource; each parses, calls the data plane, returns a schema."""
