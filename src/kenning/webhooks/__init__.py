"""Webhooks: an outbox in the graph, signed at-least-once delivery, SSRF checks.

Use cases report :class:`~kenning.webhooks.events.Event` through the
:class:`~kenning.webhooks.events.EventSink` port; :mod:`.outbox` stores one
delivery row per (webhook, event) through the store; :mod:`.worker` sends
them. README "Webhooks" documents the wire format and its verification.
"""
