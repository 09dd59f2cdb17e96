"""County configurations shipped with the package (the example county is the default)."""
