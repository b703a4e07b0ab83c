"""GPT-Live: OpenAI's second voice protocol (``/v1/live/sessions``)."""
