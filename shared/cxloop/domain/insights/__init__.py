"""What the organisation learns: scope metrics, health, periodic reports, digests, metric-drop alerts,
the data lake's rows."""
