"""The chat proxy: ``POST /v1/chat/completions`` with memory in and turns out."""
