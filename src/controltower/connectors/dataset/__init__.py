"""connectors/dataset."""
