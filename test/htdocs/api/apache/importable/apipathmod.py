"""Found only through apache.import_module(..., path=[this directory])."""
WHERE = "importable"
