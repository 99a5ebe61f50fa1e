"""ezh back-end services; each subpackage runs as `python -m services.<name>`."""
