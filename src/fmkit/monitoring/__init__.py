"""Monitoring a served model from the workspace's logs (``fmkit monitor``): latency, throughput, errors,
confidence and input drift, accuracy from feedback, alert thresholds, an HTML report."""
