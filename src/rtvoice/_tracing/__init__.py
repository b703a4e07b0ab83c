"""rtvoice's OpenTelemetry instrumentation; the public face is :mod:`rtvoice.tracing`."""
