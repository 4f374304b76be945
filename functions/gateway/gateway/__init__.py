"""The gateway function: the single entry point (REST through FastAPI + Mangum, WebSocket routes, orchestration)."""
