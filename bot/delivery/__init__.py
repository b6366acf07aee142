"""How messages and due work leave: the outbox dispatcher and sender, pacing per
channel, digests, group commit of deliveries and reports, the sweep of due rows, and the
scheduler that ticks it (the only APScheduler import)."""
