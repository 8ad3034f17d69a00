"""Who may do what: the caller (:class:`Principal`), managed API keys and
per-key rate limits. Teams, sharing and privacy live beside them."""
