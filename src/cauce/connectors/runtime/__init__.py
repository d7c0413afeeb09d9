"""The connector runtime: polling (per channel), live streams and metric refresh; `connectors/jobs.py` registers them."""
