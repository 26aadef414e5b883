"""Serving: the durable prediction/feedback journal now; the HTTP server, micro-batching and hot swap next."""
