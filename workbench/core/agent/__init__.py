"""The agent loop on the anthropic SDK."""
