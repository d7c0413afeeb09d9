"""The connector runtime: polling per channel, live streams, metric refresh (registered by connectors/jobs.py)."""
