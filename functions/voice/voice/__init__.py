"""The voice function: speech to text, delivery analytics, text to speech and audio conversion."""
