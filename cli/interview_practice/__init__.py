"""The terminal client: ``interview-practice`` (evaluate, transcribe, speak; practice comes with the client issue)."""
