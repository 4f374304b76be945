"""Pydantic models: the contract between clients, the gateway and the two downstream functions."""
