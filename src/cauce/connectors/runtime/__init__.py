"""The connector runtime: polling scheduler, metric refresh and the background loops (outbox too)."""
